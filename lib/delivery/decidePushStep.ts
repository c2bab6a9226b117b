// The worker's decisions, apart from their effects: what to do with a push job given what is stored, and
// what an attempt's answer means. Pure functions; the delivery modules carry them out.
import type { PushJob } from '../../schemas/pushJob';
import { retryDelaySeconds } from '../backoff';
import { adapterOf, type Channel, type ChannelMessage } from '../channels';
import type { SendWindowLimit } from '../channels/adapter';
import type { RenderedMessage } from '../channels/message';
import { isTerminal, type PushRecord } from '../domain/pushRecord';
import type { Robot } from '../domain/robot';
import type { SendWindowState } from '../domain/sendWindow';
import type { Template } from '../domain/template';
import { DomainError } from '../errors';
import { renderMessage, templateForChannel } from '../render/renderMessage';
import { quietUntil } from './quietHours';
import { nextWebhookSlot } from './sendWindow';
import type { DeliveryAttempt } from './webhookClient';

/** A channel's rate limit, and how long a webhook it answered "too fast" stays silent. */
export interface ChannelRules {
  limit: SendWindowLimit;
  throttleCooldownMs: number;
}

export interface DeliveryRules {
  channels: Record<Channel, ChannelRules>;
  /** A slot at most this far ahead is waited for in the worker; a later one sends the message back to the queue until then. */
  inlineWaitMs: number;
  /** A push is retried through retryable failures until this long after it was accepted. */
  retryWindowMs: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
}

export interface PushStepInput {
  job: PushJob;
  /** The job's record, read consistently; absent until an attempt ends or the job waits. */
  record?: PushRecord;
  robot?: Robot;
  template?: Template;
  window: SendWindowState;
  now: number;
  /** A send must start by then for the batch to end within the function's timeout. */
  sendBy: number;
  /** The push was held for quiet hours and is being released now. */
  releasing?: boolean;
}

export type PushStep =
  | { kind: 'already-finished'; status: PushRecord['status'] }
  /** The robot's window says this record's attempt started and the record never counted it: a worker died mid-send. */
  | { kind: 'attempt-lost'; attempt: number; at: number; digestId?: string }
  | { kind: 'skip'; reason: string }
  /** Inside the robot's quiet hours, or behind pushes held for them: held until `until`. */
  | { kind: 'hold'; until: number }
  | { kind: 'finish-failed'; reason: string; content?: ChannelMessage }
  | { kind: 'come-back-at'; at: number; reason: 'retry-later' }
  /** No slot yet: the job comes back at `at`; rendered already, for a digest that may take it sooner. */
  | ({ kind: 'wait-for-slot'; at: number; reason: 'rate-limit' | 'cooldown' } & Rendered)
  /** `webhook`: which of the robot's webhooks sends it (its key: lib/robots/webhookUrl.ts). */
  | ({ kind: 'wait-inline'; slotAt: number; webhook: string } & Rendered)
  | ({ kind: 'send'; webhook: string } & Rendered);

/**
 * A push ready to go: its robot and template exist. `message`: what the template rendered (a digest lists
 * it); `body`: exactly what the robot's chat service is sent. `pictures`: how many screenshots follow the body
 * as messages of their own (0 where the service shows them as links); `picture`: instead of the body, the
 * next of them goes now (the body went).
 */
interface Rendered {
  robot: Robot;
  template: Template;
  message: RenderedMessage;
  body: ChannelMessage;
  attempt: number;
  pictures: number;
  picture?: { id: string; name: string };
}

export function decidePushStep(input: PushStepInput, rules: DeliveryRules): PushStep {
  const { job, record, robot, template, window, now } = input;
  if (record && isTerminal(record.status)) return { kind: 'already-finished', status: record.status };
  const started = window.inFlight;
  if (started?.recordId === job.recordId && started.attempt > (record?.attempts ?? 0))
    return { kind: 'attempt-lost', attempt: started.attempt, at: started.at };
  // a digest it was in went out and the worker stopped before recording it on its members
  if (started?.members?.includes(job.recordId) && record?.digestId !== started.recordId)
    return { kind: 'attempt-lost', attempt: (record?.attempts ?? 0) + 1, at: started.at, digestId: started.recordId };
  if (!robot) return { kind: 'skip', reason: 'The robot was deleted after the event was published' };
  if (!robot.enabled) return { kind: 'skip', reason: `The robot is disabled${robot.disabledReason ? ` (${robot.disabledReason})` : ''}` };
  if (!template) return { kind: 'finish-failed', reason: `The robot's template ${robot.templateId} no longer exists` };
  if (!job.report.urgent) {
    const quietEnd = robot.quietHours && quietUntil(robot.quietHours, now);
    if (quietEnd) return { kind: 'hold', until: quietEnd };
    // pushes held earlier go out first: a later one joins them until they are released (at once if the
    // robot has no quiet hours any more)
    if (window.heldUntil !== undefined && !input.releasing)
      return { kind: 'hold', until: robot.quietHours ? window.heldUntil : Math.min(window.heldUntil, now) };
  }
  // back early (the worker stopped before moving the message, or the queue returned it): wait for the retry's time
  const retryAt = record?.nextAttemptAt ? Date.parse(record.nextAttemptAt) : 0;
  if (retryAt > now + 1000) return { kind: 'come-back-at', at: retryAt, reason: 'retry-later' };
  const attempt = (record?.attempts ?? 0) + 1;

  const adapter = adapterOf(robot.channel);
  let message: RenderedMessage;
  try {
    message = renderMessage(templateForChannel(template, robot.channel), job.report, robot);
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'finish-failed', reason: error.message };
    throw error;
  }
  const body = adapter.toBody(message);
  const problems = adapter.check(body, robot).problems;
  if (problems.length > 0) return { kind: 'finish-failed', reason: problems.join(' '), content: body };

  const slot = slotStep(window, robot, now, input.sendBy, rules);
  // where a service shows a screenshot only as a message of its own, they follow the body, one a slot
  const pictures = adapter.pictures(job.report.images);
  const sentPictures = record?.picturesSent?.length;
  const picture = sentPictures === undefined ? undefined : pictures[sentPictures];
  return {
    ...slot,
    robot,
    template,
    message,
    body,
    attempt,
    pictures: pictures.length,
    ...(picture && { picture: { id: picture.id, name: picture.name } }),
  };
}

export type SlotStep =
  | { kind: 'send'; webhook: string }
  | { kind: 'wait-inline'; slotAt: number; webhook: string }
  | { kind: 'wait-for-slot'; at: number; reason: 'rate-limit' | 'cooldown' };

/** When the robot's next message (a push or a digest) can go, and through which of its webhooks. */
export function slotStep(window: SendWindowState, robot: Robot, now: number, sendBy: number, rules: DeliveryRules): SlotStep {
  const next = nextWebhookSlot(window, robot, now, rules.channels[robot.channel].limit);
  const slotAt = next.at;
  if (next.cooling) return { kind: 'wait-for-slot', at: slotAt, reason: 'cooldown' };
  if (slotAt <= now) return { kind: 'send', webhook: next.webhook };
  if (slotAt - now <= rules.inlineWaitMs && slotAt <= sendBy) return { kind: 'wait-inline', slotAt, webhook: next.webhook };
  // back up to two seconds early (SQS counts whole seconds, rounded up), then the rest is waited for inline
  return { kind: 'wait-for-slot', at: Math.max(now + 1000, slotAt - Math.min(rules.inlineWaitMs, 2000)), reason: 'rate-limit' };
}

export type AttemptVerdict =
  | { kind: 'sent' }
  | { kind: 'failed'; reason: string; deadLetter: boolean; permanent: boolean }
  /** Uncertain under the robot's `hold` policy: not sent again; an admin resends it or marks it delivered. */
  | { kind: 'unconfirmed' }
  | { kind: 'retry-at'; at: number; cooldownUntil?: number };

export interface EndedAttempt {
  outcome: DeliveryAttempt['outcome'];
  errmsg: string;
  /** The attempt's number for this push, from 1. */
  attempt: number;
  /** When the push was accepted: its retry window starts then. */
  acceptedAt: number;
  onUncertain: Robot['onUncertain'];
  channel: Channel;
}

/**
 * What an attempt's end means. Retryable failures (not sent, 5xx, 429, throttled, and uncertain under
 * `resend`) are retried with a capped backoff until the retry window closes, never counted as attempts used up.
 */
export function afterAttempt(ended: EndedAttempt, now: number, rules: DeliveryRules): AttemptVerdict {
  switch (ended.outcome) {
    case 'ok':
      return { kind: 'sent' };
    case 'permanent':
      return { kind: 'failed', reason: ended.errmsg, deadLetter: false, permanent: true };
    case 'uncertain':
      if (ended.onUncertain === 'hold') return { kind: 'unconfirmed' };
    // falls through: resend, as after any retryable failure
    case 'throttled':
    case 'retryable': {
      const giveUpAt = ended.acceptedAt + rules.retryWindowMs;
      if (now >= giveUpAt) {
        return {
          kind: 'failed',
          reason: `Gave up after ${ended.attempt} attempts over the ${duration(rules.retryWindowMs)} retry window; last: ${ended.errmsg}`,
          deadLetter: true,
          permanent: false,
        };
      }
      const { limit, throttleCooldownMs } = rules.channels[ended.channel];
      const cooldownUntil = ended.outcome === 'throttled' ? now + throttleCooldownMs : undefined;
      // a young push probes at least once a rate window, so a robot back from a short outage is found
      // within one; the pause grows to a tenth of the push's age, up to the cap (about 170 receives in 24 h)
      const probeSeconds = Math.max(limit.windowMs, (now - ended.acceptedAt) / 10) / 1000;
      const delaySeconds = retryDelaySeconds(
        ended.attempt,
        rules.retryBaseSeconds,
        Math.min(rules.retryMaxSeconds, probeSeconds),
        cooldownUntil === undefined ? 0 : throttleCooldownMs / 1000,
      );
      // the last retry is at the window's end, not past it
      return {
        kind: 'retry-at',
        at: Math.max(now + 1000, Math.min(now + delaySeconds * 1000, giveUpAt)),
        ...(cooldownUntil !== undefined && { cooldownUntil }),
      };
    }
  }
}

/** 24 h, 10 min, 45 s. */
function duration(ms: number): string {
  if (ms >= 3_600_000) return `${Math.round(ms / 360_000) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 6000) / 10} min`;
  return `${Math.round(ms / 1000)} s`;
}
