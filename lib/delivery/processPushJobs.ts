// A batch of queued messages → delivered jobs. Jobs run concurrently; each message is reported on its own,
// so one bad job never makes the others be sent again.
import { fanOutJobSchema, pushJobSchema, type FanOutJob, type PushJob } from '../../schemas/pushJob';
import { continueFanOut } from '../events/publishReportReady';
import { forEachConcurrently } from '../concurrency';
import { log } from '../log';
import { MetricsBatch } from '../metrics';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { validateBody } from '../validation/validate';
import { BatchCache } from './batchCache';
import { deliverPushJob, jobToComeBack } from './deliverPushJob';

export interface QueueMessage {
  messageId: string;
  body: string;
  /** When the message was first sent to the queue (ms), for the queue-age metric. */
  sentAt?: number;
  /** How often the queue handed this message out: above 1, an earlier run of it may have sent already. */
  receiveCount?: number;
}

export interface BatchResult {
  /** Messages to leave on the queue: redelivered later, and after maxReceiveCount moved to the DLQ. */
  failedMessageIds: string[];
}

const jobsInFlight = 10;
/** Requeues after infrastructure errors (1, 2, 4 … 60 s apart: about 8 minutes) before SQS redelivery takes over. */
const maxInfrastructureRetries = 12;

function parseJob(message: QueueMessage): PushJob | FanOutJob | undefined {
  try {
    const body = JSON.parse(message.body) as { kind?: unknown };
    const job = body?.kind === 'fanOut' ? validateBody<FanOutJob>(fanOutJobSchema, body) : validateBody<PushJob>(pushJobSchema, body);
    // delivered again: the run before may have finished its record (or queued its page of jobs)
    if ((message.receiveCount ?? 1) > 1) return 'kind' in job ? { ...job, repeated: true } : { ...job, recordExists: true };
    return job;
  } catch (error) {
    log.error('poison push job: not a valid job; leaving it for the dead-letter queue', { messageId: message.messageId, error });
    return undefined;
  }
}

const outcomeMetric: Record<string, string> = { sent: 'PushSent', failed: 'PushFailed', skipped: 'PushSkipped', 'rate-limit': 'PushThrottled', cooldown: 'PushThrottled', throttled: 'PushThrottled', retry: 'PushRetried' };

export async function processPushJobs(messages: QueueMessage[]): Promise<BatchResult> {
  const cache = new BatchCache();
  const metrics = new MetricsBatch();
  const failedMessageIds: string[] = [];
  const comeBackLater: { messageId: string; job: PushJob | FanOutJob; delaySeconds: number }[] = [];
  const jobs = new Map(messages.map((message) => [message.messageId, parseJob(message)]));
  await cache.prefetch([...jobs.values()].flatMap((job) => (job && 'robotId' in job ? [job] : [])));
  await forEachConcurrently(messages, jobsInFlight, async (message) => {
    const job = jobs.get(message.messageId);
    if (!job) {
      failedMessageIds.push(message.messageId);
      return;
    }
    if (message.sentAt) metrics.add('QueueAge', Date.now() - message.sentAt, 'Milliseconds');
    try {
      if ('kind' in job) {
        await continueFanOut(job);
        return;
      }
      const outcome = await deliverPushJob(job, cache);
      const metric = outcomeMetric[outcome.kind === 'done' ? outcome.status : outcome.reason];
      if (metric) metrics.add(metric, 1);
      if (outcome.dingtalkMs !== undefined) metrics.add('DingTalkLatency', outcome.dingtalkMs, 'Milliseconds');
      if (outcome.kind === 'later') {
        comeBackLater.push({ messageId: message.messageId, job: jobToComeBack(job, outcome), delaySeconds: outcome.delaySeconds });
      }
    } catch (error) {
      // DynamoDB (or another dependency) failed: retry through a delayed copy while the budget lasts,
      // so a short outage does not use up maxReceiveCount and send healthy jobs to the DLQ.
      const retries = job.infrastructureRetries ?? 0;
      const recordId = 'recordId' in job ? job.recordId : undefined;
      if (retries < maxInfrastructureRetries) {
        log.warn('push job hit an infrastructure error; requeued', { messageId: message.messageId, recordId, retries, error });
        comeBackLater.push({ messageId: message.messageId, job: { ...job, infrastructureRetries: retries + 1 }, delaySeconds: Math.min(60, 2 ** retries) });
      } else {
        log.error('push job failed; the queue will deliver it again', { messageId: message.messageId, recordId, error });
        failedMessageIds.push(message.messageId);
      }
    }
  });
  // Delays go out as new delayed messages: a visibility change would count toward maxReceiveCount and
  // send rate-limited jobs to the DLQ.
  if (comeBackLater.length > 0) {
    try {
      await enqueuePushJobs(comeBackLater.map(({ job, delaySeconds }) => ({ job, delaySeconds })));
    } catch (error) {
      log.error('could not requeue delayed jobs; the queue will deliver them again', { error });
      failedMessageIds.push(...comeBackLater.map((entry) => entry.messageId));
    }
  }
  metrics.flush();
  return { failedMessageIds };
}
