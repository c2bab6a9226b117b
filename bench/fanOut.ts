// Benchmark 2: fan-out intake. One report event to 5,000 subscribed robots: the time until the intake
// answers 202 and until every push job is on the queue. Target: the 202 within 2 seconds.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { machine, printTable, round, writeResult } from './support';
import { createRobots, startPipeline, waitUntil } from './pipeline';

const robots = Number(process.env.BENCH_FANOUT_ROBOTS ?? 5000);
const repetitions = Number(process.env.BENCH_FANOUT_REPETITIONS ?? 3);

export async function fanOutBenchmark(): Promise<void> {
  const pipeline = await startPipeline();
  try {
    const setupStarted = Date.now();
    await createRobots(pipeline, robots, 'fanout');
    console.log(`created ${robots} robots in ${round((Date.now() - setupStarted) / 1000)} s`);
    const queued = async () => {
      const { Attributes } = await pipeline.service.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: pipeline.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    };
    const rows = [];
    for (let run = 1; run <= repetitions; run++) {
      const before = await queued();
      const started = performance.now();
      const result = await pipeline.service.intake.publishReportReady({ eventId: `fanout-${run}`, reportId: 'fanout', reportName: 'Fan-out', data: { rows: run } } as never);
      const acceptedMs = performance.now() - started;
      await waitUntil(async () => (await queued()) - before >= robots, 300_000, `${robots} queued jobs`);
      const allQueuedMs = performance.now() - started;
      if (result.jobs !== robots) throw new Error(`intake reported ${result.jobs} jobs, expected ${robots}`);
      rows.push({ run, robots, jobs: result.jobs, '202 after ms': round(acceptedMs), 'all queued after ms': round(allQueuedMs), 'jobs queued per s': Math.round(robots / (allQueuedMs / 1000)), 'target 202 ms': 2000 });
    }
    printTable(`Fan-out: 1 event → ${robots} robots (DynamoDB Local + fauxqs)`, rows);
    console.log(`wrote ${writeResult('fan-out', { machine: machine(), inputs: { robots, repetitions }, rows })}`);
  } finally {
    await pipeline.stop();
  }
}
