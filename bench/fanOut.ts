// Benchmark 5: fan-out. One report event to 10,000 subscribed robots (simulator rate limit off): the 202
// within 1 s, and all 10,000 delivered within 1.2x of the physical minimum measured in the same run: the
// time a raw POST loop needs for the same 10,000 messages, plus the queue's own minimum (the same
// 10,000 jobs, one message group per robot, through the emulator to a worker that does nothing).
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startQueuePoller } from '../scripts/local-stack';
import { machine, printTable, rawPostLoop, round, writeResult } from './support';
import { waitFor } from '../test/support/waitFor';
import { createRobots, startPipeline } from './pipeline';

const robots = Number(process.env.BENCH_FANOUT_ROBOTS ?? 10_000);
const repetitions = Number(process.env.BENCH_FANOUT_REPETITIONS ?? 1);
const workerPollers = 4;
/** What the workers can have in flight: each poller's batch of 10 runs its robots in parallel. */
const sendsInFlight = workerPollers * 10;
const targets = { acceptedMs: 1000, ratio: 1.2 };

export async function fanOutBenchmark(): Promise<void> {
  const pipeline = await startPipeline();
  try {
    const setupStarted = Date.now();
    await createRobots(pipeline, robots, 'fanout');
    console.log(`created ${robots} robots in ${round((Date.now() - setupStarted) / 1000)} s`);
    const runs = [];
    for (let run = 1; run <= repetitions; run++) {
      const workers = pipeline.startWorkers(workerPollers);
      const before = (await pipeline.simulatorStats()).distinctMessages;
      const started = performance.now();
      const result = await pipeline.service.intake.publishReportReady('default', {
        eventId: `fanout-${run}`,
        reportId: 'fanout',
        reportName: 'Fan-out',
        data: { rows: run },
      } as never);
      const acceptedMs = performance.now() - started;
      if (result.jobs !== robots) throw new Error(`intake reported ${result.jobs} jobs, expected ${robots}`);
      await pipeline.untilDelivered(before + robots, 1_800_000);
      const deliveredMs = performance.now() - started;
      await workers.stop();

      // the raw POST loop: the bodies the group received, POSTed again to the same simulator
      const { items } = (await (await fetch(`${pipeline.simulatorUrl}/_sim/messages`)).json()) as {
        items: { token: string; raw: string }[];
      };
      const bodies = items.slice(-robots);
      const rawStarted = performance.now();
      await rawPostLoop(
        bodies.map((body) => ({ url: `${pipeline.simulatorUrl}/robot/send?access_token=${body.token}`, raw: body.raw })),
        sendsInFlight,
      );
      const rawLoopMs = performance.now() - rawStarted;

      // the queue's minimum: the same jobs through the emulator, one group per robot, to a no-op worker
      const robotIds = bodies.map((_, index) => `robot-${index}`);
      let consumed = 0;
      const queueStarted = performance.now();
      const noOp = startQueuePoller({
        sqsEndpoint: process.env.SQS_ENDPOINT as string,
        queueUrl: pipeline.queueUrl,
        concurrency: workerPollers,
        waitTimeSeconds: 1,
        invoke: async (event) => {
          consumed += event.Records.length;
          return { batchItemFailures: [] };
        },
      });
      const jobBody = JSON.stringify({ v: 2, recordId: 'x', robotId: 'y', report: { eventId: 'e', reportId: 'r', reportName: 'n' } });
      let sent = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (sent < robotIds.length) {
            const chunk = robotIds.slice(sent, sent + 10);
            sent += chunk.length;
            await pipeline.service.clients.sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: pipeline.queueUrl,
                Entries: chunk.map((group, index) => ({
                  Id: String(index),
                  MessageBody: jobBody,
                  MessageGroupId: `${group}-${run}`,
                  MessageDeduplicationId: `minimum-${run}-${group}`,
                })),
              }),
            );
          }
        }),
      );
      await waitFor(
        async () => consumed,
        (count) => count >= robotIds.length,
        { timeoutMs: 900_000, intervalMs: 20, what: 'the no-op worker' },
      );
      const queueMinimumMs = performance.now() - queueStarted;
      await noOp.stop();

      const ratio = deliveredMs / (rawLoopMs + queueMinimumMs);
      runs.push({ run, robots, acceptedMs, deliveredMs, rawLoopMs, queueMinimumMs, ratio });
    }
    printTable(
      `Fan-out: 1 event → ${robots} robots (DynamoDB Local + fauxqs, ${workerPollers} pollers; raw loop ${sendsInFlight} in flight)`,
      runs.map((r) => ({
        run: r.run,
        '202 ms': round(r.acceptedMs),
        '202 met (< 1 s)': r.acceptedMs < targets.acceptedMs ? 'yes' : 'no',
        'all delivered s': round(r.deliveredMs / 1000, 2),
        'raw POST loop s': round(r.rawLoopMs / 1000, 2),
        'queue minimum s': round(r.queueMinimumMs / 1000, 2),
        'delivered / (raw + queue)': round(r.ratio, 2),
        'met (≤ 1.2)': r.ratio <= targets.ratio ? 'yes' : 'no',
      })),
    );
    console.log(
      `wrote ${writeResult('fan-out', { machine: machine(), inputs: { robots, repetitions, workerPollers, sendsInFlight }, targets, runs })}`,
    );
  } finally {
    await pipeline.stop();
  }
}
