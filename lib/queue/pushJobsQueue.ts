// The push-jobs FIFO queue and its dead-letter queue. One message group per robot: the queue hands a
// robot's jobs to one consumer at a time, in order; the record id as deduplication id drops a job queued
// twice within SQS's five-minute window. URLs are looked up once by name, so the same code works against
// SQS and the local emulator.
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { pushJobVersion, type FanOutJob, type PushJob, type ReleaseJob } from '../../schemas/pushJob';
import { sqs } from '../aws/clients';
import { backoff } from '../backoff';
import { sleep } from '../concurrency';
import { config } from '../config';
import { containerCaches } from '../containerCache';

export const queueUrl = (name: string) =>
  containerCaches.queueUrls.get(name, async () => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl as string);

type QueuedJob = PushJob | FanOutJob | ReleaseJob;

/** A push job's group is its robot, and a release's; a fan-out page gets a group of its own, so it never waits behind a robot. */
export function messageGroupOf(job: QueuedJob): string {
  if (!('kind' in job)) return job.robotId;
  return job.kind === 'release' ? job.robotId : `fanout-${deduplicationIdOf(job)}`;
}

/** The record id for a push (one record, one message); for a fan-out page its event and position; a release per robot and minute. */
export function deduplicationIdOf(job: QueuedJob): string {
  if (!('kind' in job)) return job.recordId;
  if (job.kind === 'release') return `release-${job.robotId}-${Math.floor(Date.now() / 60_000)}`.slice(0, 128);
  const { report, from } = job as FanOutJob;
  return createHash('sha256')
    .update(`${report.eventId}\n${JSON.stringify(from)}`)
    .digest('base64url')
    .slice(0, 64);
}

function entryOf(job: QueuedJob, index: number, deduplicationId: string): SendMessageBatchRequestEntry {
  return {
    Id: String(index),
    MessageBody: JSON.stringify({ v: pushJobVersion, ...job }),
    MessageGroupId: messageGroupOf(job),
    MessageDeduplicationId: deduplicationId,
  };
}

const maxSendRetries = 5;

/**
 * Sends jobs ten to a request; entries SQS refused are sent again, and the call fails only if they keep
 * failing. `deduplicateBy` replaces the record id where a job is meant as a second message for its record.
 */
export async function enqueuePushJobs<Job extends QueuedJob>(
  jobs: Job[],
  deduplicateBy: (job: Job) => string = deduplicationIdOf,
): Promise<void> {
  const url = await queueUrl(config.pushQueueName);
  for (let start = 0; start < jobs.length; start += 10) {
    let entries = jobs.slice(start, start + 10).map((job, index) => entryOf(job, index, deduplicateBy(job)));
    for (let retry = 0; entries.length > 0; retry++) {
      if (retry >= maxSendRetries) throw new Error(`SQS refused ${entries.length} push job(s) ${maxSendRetries} times`);
      if (retry > 0) await sleep(backoff(retry + 1, 50, 1000));
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      const failedIds = new Set((result.Failed ?? []).map((failure) => failure.Id));
      entries = entries.filter((entry) => failedIds.has(entry.Id));
    }
  }
}

/**
 * Hides received messages until `at` (ms since epoch; SQS counts whole seconds, at most 12 hours): the
 * message, and with it its group, comes back then.
 */
export async function comeBackAt(receiptHandles: string[], at: number): Promise<void> {
  const url = await queueUrl(config.pushQueueName);
  const seconds = Math.min(43_200, Math.max(0, Math.ceil((at - Date.now()) / 1000)));
  for (let start = 0; start < receiptHandles.length; start += 10) {
    const entries = receiptHandles
      .slice(start, start + 10)
      .map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle, VisibilityTimeout: seconds }));
    const result = await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
    if ((result.Failed ?? []).length > 0)
      throw new Error(`SQS refused to move ${result.Failed?.length} message(s): ${result.Failed?.[0]?.Message ?? ''}`);
  }
}

/** A message that will not be delivered (attempts used up, or not a job at all): parked in the DLQ with the reason, where an alarm sees it. */
export async function sendToDeadLetterQueue(body: string, reason: string, groupId: string, deduplicationId: string): Promise<void> {
  const url = await queueUrl(config.pushDeadLetterQueueName);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      MessageGroupId: groupId,
      MessageDeduplicationId: deduplicationId.slice(0, 128),
      MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
    }),
  );
}
