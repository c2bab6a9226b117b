// Benchmark 2: fan-out intake. One report event to 5,000 subscribed robots: the time until the intake
// answers 202 and until every push job is on the queue (the workers queue all but the first page, so
// they run meanwhile, delivering too). Target: the 202 within 2 seconds.
import { machine, printTable, round, writeResult } from './support';
import { waitFor } from '../test/support/waitFor';
import { createRobots, startPipeline } from './pipeline';

const robots = Number(process.env.BENCH_FANOUT_ROBOTS ?? 5000);
const repetitions = Number(process.env.BENCH_FANOUT_REPETITIONS ?? 2);

export async function fanOutBenchmark(): Promise<void> {
  const pipeline = await startPipeline();
  try {
    const setupStarted = Date.now();
    await createRobots(pipeline, robots, 'fanout');
    console.log(`created ${robots} robots in ${round((Date.now() - setupStarted) / 1000)} s`);
    const workers = pipeline.startWorkers(4);
    const rows = [];
    for (let run = 1; run <= repetitions; run++) {
      const eventId = `fanout-${run}`;
      pipeline.meter.reset();
      const started = performance.now();
      const result = await pipeline.service.intake.publishReportReady({ eventId, reportId: 'fanout', reportName: 'Fan-out', data: { rows: run } } as never);
      const acceptedMs = performance.now() - started;
      // the service's own SQS client counts the push jobs it sends
      await waitFor(async () => pipeline.meter.pushJobsSent, (count) => count >= robots, { timeoutMs: 600_000, intervalMs: 20, what: `${robots} queued jobs` });
      const allQueuedMs = performance.now() - started;
      const delivered = (run - 1) * robots + robots;
      await pipeline.untilDelivered(delivered, 900_000);
      const allDeliveredMs = performance.now() - started;
      if (result.jobs !== robots) throw new Error(`intake reported ${result.jobs} jobs, expected ${robots}`);
      rows.push({ run, robots, jobs: result.jobs, '202 after ms': round(acceptedMs), 'all queued after ms': round(allQueuedMs), 'all delivered after ms': round(allDeliveredMs), 'target 202 ms': 2000 });
    }
    await workers.stop();
    printTable(`Fan-out: 1 event → ${robots} robots (DynamoDB Local + fauxqs)`, rows);
    console.log(`wrote ${writeResult('fan-out', { machine: machine(), inputs: { robots, repetitions }, rows })}`);
  } finally {
    await pipeline.stop();
  }
}
