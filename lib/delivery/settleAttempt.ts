// How an attempt ended, written on every push it carried (one, or a digest's members) in one request, with
// the body it sent; and when they come back, if they do. A digest's own record ends sent, or failed when its
// members go on without it.
import type { PushJob } from '../../schemas/pushJob';
import { adapterOf, defaultChannel, type ChannelMessage } from '../channels';
import {
  finishedRecord,
  partSentRecord,
  retryingRecord,
  type AttemptLogEntry,
  type PictureSent,
  type PushRecord,
  type TemplateSnapshot,
} from '../domain/pushRecord';
import type { Robot } from '../domain/robot';
import type { SendWindowState } from '../domain/sendWindow';
import { afterAttempt, type AttemptVerdict } from './decidePushStep';
import { comeBack, done, keepWindow, logEntry, parkedJob, remember, webhookShown, type DeliveryContext, type Delivered } from './context';
import { nextWebhookSlot, webhookWindow, withWebhookWindow } from './sendWindow';
import type { DeliveryAttempt } from './webhookClient';

export interface EndedSend {
  /** The pushes the attempt carried, each with its record as it stood before the attempt. */
  carried: { job: PushJob; record: PushRecord }[];
  result: DeliveryAttempt;
  /** The window the send left and the webhook it went through; absent for an attempt found lost. */
  sentWith?: { window: SendWindowState; webhook: string };
  /** The digest's own record, when the attempt sent a digest. */
  digest?: PushRecord;
  /** Where pictures follow the push: those in the group once this attempt went, and whether more follow. */
  parts?: { picturesSent: PictureSent[]; more: boolean };
  /** The body sent and its template: kept on the push's record (a digest's, on the digest's own). */
  sent?: { content: ChannelMessage; template?: TemplateSnapshot };
}

interface Answer {
  entry: AttemptLogEntry;
  errcode?: number;
  errmsg: string;
  response?: unknown;
}

export async function settleAttempt(context: DeliveryContext, ended: EndedSend): Promise<Delivered> {
  const { ports, inputs } = context;
  const now = ports.now();
  const { carried, result, sentWith, digest } = ended;
  const robot = inputs.robots.get(carried[0].job.robotId);
  const shown = sentWith && robot && webhookShown(robot, sentWith.webhook);
  const through = { ...(shown && { webhook: shown }), ...(digest && { digestId: digest.id }) };
  const entry = { ...logEntry(result, now), ...through };
  const answer: Answer = { entry, errcode: result.errcode, errmsg: entry.errmsg, response: result.response };
  const verdict = afterAttempt(
    {
      outcome: result.outcome,
      errmsg: entry.errmsg,
      attempt: Math.max(...carried.map(({ record }) => record.attempts)) + 1,
      acceptedAt: acceptedAt(ended),
      onUncertain: robot?.onUncertain ?? 'resend',
      channel: robot?.channel ?? carried[0].record.channel ?? defaultChannel,
    },
    now,
    context.rules,
  );
  if (result.result === 'uncertain') ports.metric('PushUncertain', carried.length);
  const save = (next: (attempted: PushRecord) => PushRecord) => saveAll(context, ended, through, verdict, answer, next);
  return carryOut(context, ended, { verdict, robot, entry, answer, save });
}

/** A single push's record keeps what the service calls each of its messages it took (to recall them, or ask who read them). */
function withMessageKey({ carried, digest }: EndedSend, answer: Answer): (record: PushRecord) => PushRecord {
  const channel = carried[0].record.channel;
  const key = !digest && carried.length === 1 && channel ? adapterOf(channel).messageKey?.(answer.response) : undefined;
  return (record) => (key ? { ...record, messageKeys: [...(record.messageKeys ?? []), key] } : record);
}

const acceptedAt = ({ carried }: EndedSend) => Math.min(...carried.map(({ record }) => Date.parse(record.createdAt)));

async function carryOut(
  context: DeliveryContext,
  ended: EndedSend,
  { verdict, robot, entry, answer, save }: { verdict: AttemptVerdict; robot?: Robot; entry: AttemptLogEntry; answer: Answer; save: Save },
): Promise<Delivered> {
  const { ports } = context;
  const now = ports.now();
  const count = ended.carried.length;
  const { parts } = ended;
  switch (verdict.kind) {
    case 'sent': {
      const keep = withMessageKey(ended, answer);
      // its pictures follow at once, in the next slots, before anything queued behind it
      if (parts?.more) {
        await save((attempted) => partSentRecord(keep(attempted), entry, parts.picturesSent));
        return { kind: 'pictures-follow' };
      }
      await save((attempted) =>
        finishedRecord({ ...keep(attempted), ...(parts && { picturesSent: parts.picturesSent }) }, { status: 'sent', ...answer }, now),
      );
      if (robot && robot.consecutiveFailures > 0) await ports.clearFailureStreak(robot.id);
      ports.metric('PushSent', count);
      return done(count);
    }
    case 'unconfirmed':
      await save((attempted) => finishedRecord(attempted, { status: 'unconfirmed', ...answer }, now));
      ports.metric('PushUnconfirmed', count);
      return done(count);
    case 'failed':
      // the robot's streak (and a disable) first: whoever sees the failed record sees the robot's state with it
      if (verdict.permanent && robot) {
        await ports.countPermanentFailure(robot, { errcode: entry.errcode, errmsg: entry.errmsg });
        const updated = await ports.readRobot(robot.id);
        if (updated) context.inputs.robots.set(updated.id, updated);
      }
      // the jobs are in the dead-letter queue by the time their records show the failure
      if (verdict.deadLetter) for (const { job } of ended.carried) await ports.deadLetter(parkedJob(job), verdict.reason);
      await save((attempted) => finishedRecord(attempted, { status: 'failed', ...answer, errmsg: verdict.reason }, now));
      ports.metric('PushFailed', count);
      return done(count);
    case 'retry-at':
      return retryLater(context, ended, { at: verdict.at, cooldownUntil: verdict.cooldownUntil, robot, entry, save });
  }
}

type Save = (next: (attempted: PushRecord) => PushRecord) => Promise<void>;

/** Retried later; after a "too fast" answer the webhook cools down, and another of the pool may have a slot sooner. */
async function retryLater(
  context: DeliveryContext,
  ended: EndedSend,
  retry: { at: number; cooldownUntil?: number; robot?: Robot; entry: AttemptLogEntry; save: Save },
): Promise<Delivered> {
  const { ports } = context;
  const now = ports.now();
  let retryAt = retry.at;
  const { sentWith } = ended;
  if (retry.cooldownUntil !== undefined && sentWith) {
    const cooling = { ...webhookWindow(sentWith.window, sentWith.webhook), cooldownUntil: retry.cooldownUntil };
    const cooled = withWebhookWindow(sentWith.window, sentWith.webhook, cooling);
    await keepWindow(context, ended.carried[0].job.robotId, cooled);
    const robot = retry.robot;
    if (robot) {
      const next = nextWebhookSlot(cooled, robot, now, context.rules.channels[robot.channel].limit);
      retryAt = Math.min(retryAt, Math.max(now + 1000, next.at));
    }
  }
  await retry.save((attempted) => retryingRecord(attempted, retry.entry, retryAt));
  const count = ended.carried.length;
  ports.metric(retry.cooldownUntil === undefined ? 'PushRetried' : 'PushThrottled', count);
  // how long the push has been retrying: an alarm in AWS watches the oldest
  ports.metric('RetryingPushAge', now - acceptedAt(ended), 'Milliseconds');
  return comeBack(retryAt);
}

/** Every record the attempt touched, in one write: the carried pushes' and a digest's own, the body on the one that shows it. */
async function saveAll(
  context: DeliveryContext,
  ended: EndedSend,
  through: { webhook?: string; digestId?: string },
  verdict: AttemptVerdict,
  answer: Answer,
  next: (attempted: PushRecord) => PushRecord,
): Promise<void> {
  const now = context.ports.now();
  const records = ended.carried.map(({ record }) => next({ ...record, attempts: record.attempts + 1, ...through }));
  const { digest, sent } = ended;
  const written = records.map((record, index) => (index === 0 && sent && !digest ? { ...record, ...sent } : record));
  if (digest) {
    const delivered = verdict.kind === 'sent';
    const errmsg = delivered ? undefined : `${answer.errmsg}; its ${records.length} pushes went on without it (see each one's record)`;
    const own = { ...digest, attempts: 1, ...(through.webhook && { webhook: through.webhook }) };
    written.push({ ...finishedRecord(own, { ...answer, status: delivered ? 'sent' : 'failed', errmsg }, now), ...sent });
  }
  await context.ports.saveRecords(written);
  remember(context, ...records);
}
