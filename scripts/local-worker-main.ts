// The worker's runtime for `npm start`: its own process (as a Lambda container is), fed by a queue poller
// the way Lambda's SQS event source feeds it, plus the sweeper on a schedule. Running the handler here
// rather than through serverless-offline's Lambda endpoint matters under load: serverless-offline starts
// a worker thread per concurrent invocation, and under a sustained queue its invocations stalled.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startQueuePoller } from './local-stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const worker = require('../functions/worker') as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sweeper = require('../functions/sweeper') as { handler: (event: unknown, context: Context) => Promise<unknown> };

const context = (name: string) => ({ awsRequestId: `local-${Date.now()}`, functionName: name }) as Context;
/** Lambda's limit for this function (serverless.yml: workerTimeoutSeconds): a batch that takes longer counts as failed. */
const invocationTimeoutMs = 40_000;

const poller = startQueuePoller({
  sqsEndpoint: process.env.SQS_ENDPOINT as string,
  queueUrl: process.env.PUSH_QUEUE_URL as string,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 4),
  waitTimeSeconds: 5,
  invoke: (event) =>
    Promise.race([
      worker.handler(event, context('worker')),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`worker invocation outlived ${invocationTimeoutMs / 1000} s`)), invocationTimeoutMs).unref()),
    ]),
  onError: (error) => console.error(`worker poller: ${(error as Error).message}`),
});

// what EventBridge's schedule does in AWS: the sweeper, every minute here
const sweep = setInterval(() => {
  sweeper.handler({}, context('sweeper')).catch((error) => console.error(`sweeper: ${(error as Error).message}`));
}, 60_000);

const shutdown = async () => {
  clearInterval(sweep);
  await poller.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.stdout.write('worker ready\n');
