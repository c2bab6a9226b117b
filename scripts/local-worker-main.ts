// The worker's runtime for `npm start`: its own process (as a Lambda container is), fed by a queue poller
// the way Lambda's SQS event source feeds it, plus the sweeper on a schedule. Running the handler here
// rather than through serverless-offline's Lambda endpoint matters under load: serverless-offline starts
// a worker thread per concurrent invocation, and under a sustained queue its invocations stalled.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startQueuePoller } from './local-stack';

const worker = require('../functions/worker') as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
const sweeper = require('../functions/sweeper') as { handler: (event: unknown, context: Context) => Promise<unknown> };

/** Lambda's limit for this function (serverless.yml: workerTimeoutSeconds). */
const invocationTimeoutMs = 30_000;
const context = (name: string) => {
  const deadline = Date.now() + invocationTimeoutMs;
  return { awsRequestId: `local-${Date.now()}`, functionName: name, getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
};

const poller = startQueuePoller({
  sqsEndpoint: process.env.SQS_ENDPOINT as string,
  queueUrl: process.env.PUSH_QUEUE_URL as string,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 4),
  waitTimeSeconds: 5,
  invoke: async (event) => {
    // as Lambda does: an invocation that outlives its timeout is killed (npm start starts a new process),
    // so it cannot go on sending after its messages were handed to someone else
    const overdue = setTimeout(() => {
      console.error(`worker invocation outlived ${invocationTimeoutMs / 1000} s; the process exits`);
      process.exit(1);
    }, invocationTimeoutMs + 5000);
    try {
      return await worker.handler(event, context('worker'));
    } finally {
      clearTimeout(overdue);
    }
  },
  onError: (error) => console.error(`worker poller: ${(error as Error).message}`),
});

// what EventBridge's schedule does in AWS: the sweeper, every minute (SWEEP_INTERVAL_SECONDS)
const sweepEveryMs = Math.max(1, Number(process.env.SWEEP_INTERVAL_SECONDS) || 60) * 1000;
const sweep = setInterval(() => {
  sweeper.handler({}, context('sweeper')).catch((error) => console.error(`sweeper: ${(error as Error).message}`));
}, sweepEveryMs);

const shutdown = async () => {
  clearInterval(sweep);
  const started = Date.now();
  await poller.stop();
  console.error(`worker stopped: its in-flight pushes finished (${Date.now() - started} ms)`);
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.stdout.write('worker ready\n');
