// The worker's decisions, apart from their effects: what to do with a push job given what is stored, and
// what an attempt's answer from DingTalk means. Pure functions; processPushJobs carries them out.
import type { PushJob } from '../../schemas/pushJob';
import type { DeliveryAttempt } from '../dingtalk/client';
import type { DingTalkMessage } from '../dingtalk/messages';
import { DomainError } from '../errors';
import { checkMessage, renderMessage } from '../render/renderMessage';
import { isTerminal, type PushRecord } from '../store/recordsStore';
import type { Robot } from '../store/robotsStore';
import type { Template } from '../store/templatesStore';
import { retryDelaySeconds } from './backoff';
import { earliestSlot, type SendWindowLimit, type SendWindowState } from './sendWindow';

export interface DeliveryRules {
  limit: SendWindowLimit;
  /** A slot at most this far ahead is waited for in the worker; a later one sends the message back to the queue until then. */
  inlineWaitMs: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  throttleCooldownMs: number;
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
}

export type PushStep =
  | { kind: 'already-finished'; status: PushRecord['status'] }
  | { kind: 'skip'; reason: string }
  | { kind: 'finish-failed'; reason: string; content?: DingTalkMessage; deadLetter?: boolean }
  | { kind: 'come-back-at'; at: number; reason: 'rate-limit' | 'cooldown' }
  | { kind: 'wait-inline'; slotAt: number; message: DingTalkMessage; attempt: number }
  | { kind: 'send'; message: DingTalkMessage; attempt: number };

export function decidePushStep(input: PushStepInput, rules: DeliveryRules): PushStep {
  const { job, record, robot, template, window, now } = input;
  if (record && isTerminal(record.status)) return { kind: 'already-finished', status: record.status };
  if (!robot) return { kind: 'skip', reason: 'The robot was deleted after the event was published' };
  if (!robot.enabled) return { kind: 'skip', reason: `The robot is disabled${robot.disabledReason ? ` (${robot.disabledReason})` : ''}` };
  if (!template) return { kind: 'finish-failed', reason: `The robot's template ${robot.templateId} no longer exists` };
  const attempt = (record?.attempts ?? 0) + 1;
  // the last attempt's answer was stored but the job was not finished (the worker stopped in between)
  if (attempt > rules.maxAttempts) return { kind: 'finish-failed', reason: `Gave up after ${attempt - 1} attempts; last: ${record?.errmsg ?? 'unknown'}`, deadLetter: true };

  let message: DingTalkMessage;
  try {
    message = { ...renderMessage(template, job.report, robot), msgUuid: job.recordId };
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'finish-failed', reason: error.message };
    throw error;
  }
  const problems = checkMessage(message, robot).problems;
  if (problems.length > 0) return { kind: 'finish-failed', reason: problems.join(' '), content: message };

  if (window.cooldownUntil > now) return { kind: 'come-back-at', at: window.cooldownUntil, reason: 'cooldown' };
  const slotAt = earliestSlot(window.sends, now, rules.limit);
  if (slotAt <= now) return { kind: 'send', message, attempt };
  if (slotAt - now <= rules.inlineWaitMs && slotAt <= input.sendBy) return { kind: 'wait-inline', slotAt, message, attempt };
  // back up to two seconds early (SQS counts whole seconds, rounded up), then the rest is waited for inline
  return { kind: 'come-back-at', at: Math.max(now + 1000, slotAt - Math.min(rules.inlineWaitMs, 2000)), reason: 'rate-limit' };
}

export type AttemptVerdict =
  | { kind: 'sent' }
  | { kind: 'failed'; reason: string; deadLetter: boolean; permanent: boolean }
  | { kind: 'retry-at'; at: number; cooldownUntil?: number };

/** What DingTalk's answer to attempt number `attempt` means. Rate-limit waits never count as attempts; this is only reached after a POST. */
export function afterAttempt(result: Pick<DeliveryAttempt, 'outcome' | 'errmsg'>, attempt: number, now: number, rules: DeliveryRules): AttemptVerdict {
  switch (result.outcome) {
    case 'ok':
      return { kind: 'sent' };
    case 'permanent':
      return { kind: 'failed', reason: result.errmsg, deadLetter: false, permanent: true };
    case 'throttled':
    case 'retryable': {
      if (attempt >= rules.maxAttempts) return { kind: 'failed', reason: `Gave up after ${attempt} attempts; last: ${result.errmsg}`, deadLetter: true, permanent: false };
      const cooldownUntil = result.outcome === 'throttled' ? now + rules.throttleCooldownMs : undefined;
      const delaySeconds = retryDelaySeconds(attempt, rules.retryBaseSeconds, cooldownUntil === undefined ? 0 : rules.throttleCooldownMs / 1000);
      return { kind: 'retry-at', at: now + delaySeconds * 1000, ...(cooldownUntil !== undefined && { cooldownUntil }) };
    }
  }
}
