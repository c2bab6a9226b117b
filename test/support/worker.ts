// Runs the worker function in-process, fed by the test's queue the way Lambda's SQS event source would.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startQueuePoller } from '../../scripts/local-stack';

export function startWorker(options: { concurrency?: number } = {}) {
  const { handler } = require('../../functions/worker') as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
  return startQueuePoller({
    sqsEndpoint: process.env.SQS_ENDPOINT as string,
    queueUrl: process.env.PUSH_QUEUE_URL as string,
    invoke: (event) => handler(event, { awsRequestId: 'test' } as Context),
    concurrency: options.concurrency ?? 2,
    waitTimeSeconds: 1,
  });
}
