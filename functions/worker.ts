// SQS → processPushJobs, answering with partial batch failures (ReportBatchItemFailures).
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processPushJobs } from '../lib/delivery/processPushJobs';

export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const { failedMessageIds } = await processPushJobs(
    event.Records.map((record) => ({
      messageId: record.messageId,
      body: record.body,
      sentAt: Number(record.attributes?.SentTimestamp) || undefined,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount) || undefined,
    })),
  );
  return { batchItemFailures: failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
});
