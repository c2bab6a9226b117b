// The push-jobs queue and its dead-letter queue. URLs are looked up once by name, so the same code works
// against SQS and the local emulator (whose queue URLs carry its own host).
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { FanOutJob, PushJob } from '../../schemas/pushJob';
import { sqs } from '../aws/clients';
import { config } from '../config';

const queueUrls = new Map<string, Promise<string>>();

export function queueUrl(name: string): Promise<string> {
  let url = queueUrls.get(name);
  if (!url) {
    url = sqs.send(new GetQueueUrlCommand({ QueueName: name })).then((result) => result.QueueUrl as string);
    url.catch(() => queueUrls.delete(name));
    queueUrls.set(name, url);
  }
  return url;
}

export interface QueuedJob {
  job: PushJob | FanOutJob;
  /** Up to 900 seconds, SQS's limit. */
  delaySeconds?: number;
}

const maxSendRetries = 5;

/** Sends jobs ten to a request; entries SQS refused are sent again, and the call fails only if they keep failing. */
export async function enqueuePushJobs(jobs: QueuedJob[]): Promise<void> {
  const url = await queueUrl(config.pushQueueName);
  for (let start = 0; start < jobs.length; start += 10) {
    let entries: SendMessageBatchRequestEntry[] = jobs.slice(start, start + 10).map(({ job, delaySeconds }, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(job),
      ...(delaySeconds && { DelaySeconds: Math.min(900, Math.max(0, Math.ceil(delaySeconds))) }),
    }));
    for (let retry = 0; entries.length > 0; retry++) {
      if (retry >= maxSendRetries) throw new Error(`SQS refused ${entries.length} push job(s) ${maxSendRetries} times`);
      if (retry > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** retry));
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      const failedIds = new Set((result.Failed ?? []).map((failure) => failure.Id));
      entries = entries.filter((entry) => failedIds.has(entry.Id));
    }
  }
}

/** A job that ran out of attempts: parked in the DLQ with the reason, where an alarm sees it. */
export async function sendToDeadLetterQueue(job: PushJob, reason: string): Promise<void> {
  const url = await queueUrl(config.pushDeadLetterQueueName);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: JSON.stringify(job),
      MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
    }),
  );
}
