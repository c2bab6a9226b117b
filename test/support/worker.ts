// Runs the worker function in-process, fed by the test's queue the way Lambda's SQS event source would.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startQueuePoller } from '../../scripts/local-stack';
import { testVisibilitySeconds } from './environment';

export function startWorker(options: { concurrency?: number } = {}) {
  const { handler } = require('../../functions/worker') as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
  return startQueuePoller({
    sqsEndpoint: process.env.SQS_ENDPOINT as string,
    queueUrl: process.env.PUSH_QUEUE_URL as string,
    invoke: (event) => {
      // a second short of the messages' visibility: the handler stops starting sends a POST's timeout and
      // a record write before that
      const deadline = Date.now() + (testVisibilitySeconds - 1) * 1000;
      return handler(event, { awsRequestId: 'test', getRemainingTimeInMillis: () => deadline - Date.now() } as Context);
    },
    concurrency: options.concurrency ?? 2,
    waitTimeSeconds: 1,
  });
}
