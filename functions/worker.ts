// SQS FIFO → processPushJobs, answering with partial batch failures (ReportBatchItemFailures). Powertools'
// batch processor is not used: its FIFO processor runs records one at a time, and robots here run in parallel.
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { config } from '../lib/config';
import { deliveryPorts, deliveryRules } from '../lib/delivery/deliveryPorts';
import { processPushJobs } from '../lib/delivery/processPushJobs';
import { MetricsBatch } from '../lib/metrics';

/** Room left at the end of the invocation for a POST that started just before it and the record write after it. */
const endReserveMs = config.webhookTimeoutMs + 3000;

export const handler = middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const metrics = new MetricsBatch();
  const remainingMs = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000;
  const { failedMessageIds } = await processPushJobs(
    event.Records.map((record) => ({
      messageId: record.messageId,
      receiptHandle: record.receiptHandle,
      body: record.body,
      groupId: record.attributes?.MessageGroupId,
      sentAt: Number(record.attributes?.SentTimestamp) || undefined,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount) || undefined,
    })),
    deliveryPorts((name, value, unit) => metrics.add(name, value, unit)),
    deliveryRules,
    Date.now() + remainingMs - endReserveMs,
  );
  metrics.flush();
  return { batchItemFailures: failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
});
