// A batch of queued messages → delivered pushes. The queue's message groups (one per robot) hand this batch
// a robot's jobs in order and to no one else; within the batch each robot's jobs run one after another and
// different robots in parallel. Decisions come from decidePushStep; this module only carries them out.
import { fanOutJobSchema, pushJobSchema, type FanOutJob, type PushJob } from '../../schemas/pushJob';
import { backoff } from '../backoff';
import { forEachConcurrently } from '../concurrency';
import type { DeliveryAttempt } from '../dingtalk/client';
import type { DingTalkMessage } from '../dingtalk/messages';
import { log } from '../log';
import { redactSecrets } from '../redact';
import type { DeliveryInputs } from '../store/deliveryInputs';
import {
  finishedRecord,
  newQueuedRecord,
  retryingRecord,
  type AttemptLogEntry,
  type PushRecord,
  type TemplateSnapshot,
} from '../store/recordsStore';
import type { Robot } from '../store/robotsStore';
import type { Template } from '../store/templatesStore';
import { validateBody } from '../validation/validate';
import { afterAttempt, decidePushStep, type DeliveryRules } from './decidePushStep';
import type { SendWindowState } from '../store/sendWindowStore';
import { earliestSlot, emptyWindow, lateToleranceMs, nextWebhookSlot, webhookWindow, withSend, withWebhookWindow } from './sendWindow';
import { ownWebhookKey, robotWebhooks } from '../robots/webhookUrl';

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The FIFO message group: the robot for a push job. */
  groupId?: string;
  /** When the message was first sent to the queue (ms), for the queue-age metric. */
  sentAt?: number;
  receiveCount?: number;
}

export interface BatchResult {
  /** Messages to leave on the queue; each was already moved to when it should come back. */
  failedMessageIds: string[];
}

/** What the batch needs from the world; processPushJobs is unit-tested with fakes of these. */
export interface DeliveryPorts {
  readInputs(jobs: PushJob[]): Promise<DeliveryInputs>;
  readRobot(id: string): Promise<Robot | undefined>;
  putWindow(robotId: string, window: SendWindowState): Promise<void>;
  /** Sends through one of the robot's webhooks (its key: lib/robots/webhookUrl.ts). */
  send(message: DingTalkMessage, robot: Robot, webhook: string): Promise<DeliveryAttempt>;
  /** Writes the exact body about to be sent, and its template, before the POST. */
  saveContent(recordId: string, content: DingTalkMessage, template: TemplateSnapshot): Promise<void>;
  /** Writes a record after an attempt ended (or was found lost). */
  saveRecord(record: PushRecord): Promise<void>;
  /** Ends a record without a DingTalk call (created if absent). */
  closeRecord(
    record: PushRecord,
    status: 'skipped' | 'failed',
    reason: string,
    extra: { content?: DingTalkMessage; template?: TemplateSnapshot },
    now: number,
  ): Promise<void>;
  /** A job that waits on the queue shows as queued meanwhile (an existing record is left as it is). */
  ensureQueued(record: PushRecord): Promise<void>;
  comeBackAt(receiptHandles: string[], at: number): Promise<void>;
  /** Parks a message that will not be delivered in the dead-letter queue, with the reason. */
  deadLetter(parked: { body: string; groupId: string; deduplicationId: string }, reason: string): Promise<void>;
  continueFanOut(job: FanOutJob): Promise<void>;
  countPermanentFailure(robotId: string, failure: { errcode?: number; errmsg: string }): Promise<void>;
  clearFailureStreak(robotId: string): Promise<void>;
  metric(name: string, value: number, unit?: 'Count' | 'Milliseconds'): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

type Parsed =
  { message: QueueMessage; job: PushJob } | { message: QueueMessage; fanOut: FanOutJob } | { message: QueueMessage; poison: string };

const groupsInFlight = 10;

/** Only the fields this version knows: a job from a newer or older version may carry others. */
function parse(message: QueueMessage): Parsed {
  try {
    const body = JSON.parse(message.body) as Record<string, unknown> | null;
    if (body?.kind === 'fanOut') {
      const { kind, report, from } = validateBody<FanOutJob>(fanOutJobSchema, body);
      return { message, fanOut: { kind, report, from } };
    }
    const { recordId, robotId, correlationId, queuedAt, robotName, templateId, report } = validateBody<PushJob>(pushJobSchema, body);
    return { message, job: { recordId, robotId, correlationId, queuedAt, robotName, templateId, report } };
  } catch (error) {
    return { message, poison: `not a push job: ${(error as Error).message}`.slice(0, 500) };
  }
}

/** Infrastructure failed (DynamoDB, SQS): the message comes back after a pause that grows with each receive. */
const infrastructureRetryAt = (message: QueueMessage, now: number) => now + backoff((message.receiveCount ?? 1) + 1, 1, 60) * 1000;

export async function processPushJobs(
  messages: QueueMessage[],
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sendBy: number,
): Promise<BatchResult> {
  const failedMessageIds: string[] = [];
  const parsed = messages.map(parse);
  const groups = new Map<string, { message: QueueMessage; job: PushJob }[]>();
  const fanOuts: { message: QueueMessage; fanOut: FanOutJob }[] = [];
  for (const entry of parsed) {
    if (entry.message.sentAt) ports.metric('QueueAge', ports.now() - entry.message.sentAt, 'Milliseconds');
    if ('poison' in entry) {
      log.error('poison message: not a valid job; moved to the dead-letter queue', {
        messageId: entry.message.messageId,
        reason: entry.poison,
      });
      const parked = { body: entry.message.body, groupId: entry.message.groupId ?? 'poison', deduplicationId: entry.message.messageId };
      await ports.deadLetter(parked, entry.poison).catch((error: unknown) => {
        log.error('could not move a poison message to the dead-letter queue', { messageId: entry.message.messageId, error });
        failedMessageIds.push(entry.message.messageId);
      });
    } else if ('fanOut' in entry) {
      fanOuts.push(entry);
    } else {
      const groupId = entry.message.groupId ?? entry.job.robotId;
      groups.set(groupId, [...(groups.get(groupId) ?? []), entry]);
    }
  }

  const comeBack = async (group: { message: QueueMessage }[], at: number) => {
    failedMessageIds.push(...group.map(({ message }) => message.messageId));
    // if this fails too, the messages come back after the queue's visibility timeout
    await ports
      .comeBackAt(
        group.map(({ message }) => message.receiptHandle),
        at,
      )
      .catch((error: unknown) => log.error('could not move messages back on the queue', { error }));
  };

  await forEachConcurrently(fanOuts, groupsInFlight, async ({ message, fanOut }) => {
    try {
      await ports.continueFanOut(fanOut);
    } catch (error) {
      log.warn('fan-out page hit an infrastructure error; it comes back', {
        messageId: message.messageId,
        eventId: fanOut.report.eventId,
        error,
      });
      await comeBack([{ message }], infrastructureRetryAt(message, ports.now()));
    }
  });

  const allJobs = [...groups.values()].flat();
  if (allJobs.length === 0) return { failedMessageIds };
  let inputs: DeliveryInputs;
  try {
    inputs = await ports.readInputs(allJobs.map(({ job }) => job));
  } catch (error) {
    log.warn("could not read the batch's robots and records; its jobs come back", { error });
    await comeBack(allJobs, infrastructureRetryAt(allJobs[0].message, ports.now()));
    return { failedMessageIds };
  }

  await forEachConcurrently([...groups.values()], groupsInFlight, async (group) => {
    for (const [index, { message, job }] of group.entries()) {
      try {
        const outcome = await deliver(job, inputs, ports, rules, sendBy);
        // the rest of the robot's jobs wait behind this one, in order
        if (outcome.comeBackAt !== undefined) return comeBack(group.slice(index), outcome.comeBackAt);
      } catch (error) {
        log.warn("push job hit an infrastructure error; it and the robot's later jobs come back", {
          messageId: message.messageId,
          recordId: job.recordId,
          error,
        });
        return comeBack(group.slice(index), infrastructureRetryAt(message, ports.now()));
      }
    }
  });
  return { failedMessageIds };
}

/** Carries out one job's step; says when the job comes back if it is not finished. */
async function deliver(
  job: PushJob,
  inputs: DeliveryInputs,
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sendBy: number,
): Promise<{ comeBackAt?: number }> {
  const robot = inputs.robots.get(job.robotId);
  const template = robot && inputs.templates.get(robot.templateId);
  const window = inputs.windows.get(job.robotId) ?? emptyWindow;
  const previous = inputs.records.get(job.recordId);
  const record = previous ?? recordOf(job, ports.now(), robot, template);
  const remember = (ended: PushRecord) => inputs.records.set(ended.id, ended);
  const step = decidePushStep({ job, record: previous, robot, template, window, now: ports.now(), sendBy }, rules);
  const context = { recordId: job.recordId, robotId: job.robotId, correlationId: job.correlationId, step: step.kind };

  switch (step.kind) {
    case 'already-finished':
      return {};
    case 'attempt-lost': {
      log.warn('a worker stopped after starting an attempt and before recording it: the attempt is uncertain', context);
      const lost = {
        result: 'uncertain',
        outcome: 'uncertain',
        errmsg: 'The worker stopped after sending and before it recorded the answer: the group may show it',
        durationMs: 0,
      } as const;
      return settle(lost, step.attempt);
    }
    case 'skip':
      await ports.closeRecord(record, 'skipped', step.reason, {}, ports.now());
      remember({ ...record, status: 'skipped' });
      ports.metric('PushSkipped', 1);
      return {};
    case 'finish-failed':
      await ports.closeRecord(
        record,
        'failed',
        step.reason,
        {
          ...(step.content && { content: step.content }),
          ...(template && { template: snapshot(template) }),
        },
        ports.now(),
      );
      remember({ ...record, status: 'failed' });
      ports.metric('PushFailed', 1);
      return {};
    case 'come-back-at':
      // a job that returns to wait again has its record already
      if (!previous) {
        await ports.ensureQueued(record);
        remember(record);
      }
      ports.metric(step.reason === 'retry-later' ? 'PushRetried' : 'PushThrottled', 1);
      return { comeBackAt: step.at };
    case 'wait-inline':
    case 'send':
      break;
  }
  const sendingRobot = robot as Robot;
  // The slot, and this attempt as started, are written into the window before the POST: a worker that dies
  // after sending must neither leave the window short nor let its attempt pass unnoticed. The body is
  // written beside it. A write slow enough to make the send late writes a later time (the first was never used).
  let slotAt = step.kind === 'wait-inline' ? step.slotAt : ports.now();
  let taken: SendWindowState;
  /** The robot's window as stored, and as the batch's later jobs for the robot see it. */
  const keepWindow = async (state: SendWindowState) => {
    await ports.putWindow(job.robotId, state);
    inputs.windows.set(job.robotId, state);
  };
  const webhook = step.webhook;
  const webhookSends = webhookWindow(window, webhook);
  const startedAttempt = (at: number) => ({
    ...withWebhookWindow(window, webhook, withSend(webhookSends, at, rules.limit)),
    inFlight: { recordId: job.recordId, attempt: step.attempt, at },
  });
  taken = startedAttempt(slotAt);
  await Promise.all([keepWindow(taken), ports.saveContent(job.recordId, step.message, snapshot(template as Template))]);
  await ports.sleep(slotAt - ports.now());
  while (ports.now() - slotAt > lateToleranceMs(rules.limit)) {
    slotAt = earliestSlot(webhookSends.sends, ports.now(), rules.limit);
    taken = startedAttempt(slotAt);
    await keepWindow(taken);
    await ports.sleep(slotAt - ports.now());
  }

  const result = await ports.send(step.message, sendingRobot, webhook);
  // DingTalk counted the message on arrival, which was before its answer: an answer later than the other
  // half of the margin moves the send to the answer's time, so the next sends keep their distance from it
  if (ports.now() - slotAt > lateToleranceMs(rules.limit)) {
    taken = startedAttempt(ports.now());
    await keepWindow(taken);
  }
  ports.metric('DingTalkLatency', result.durationMs, 'Milliseconds');
  log.info('dingtalk answered', {
    ...context,
    attempt: step.attempt,
    result: result.result,
    outcome: result.outcome,
    errcode: result.errcode,
    httpStatus: result.httpStatus,
    durationMs: result.durationMs,
  });
  return settle(result, step.attempt, { window: taken, webhook });

  /** Records how an attempt ended (one sent now, or one found lost) and says when the job comes back, if it does. */
  async function settle(
    result: DeliveryAttempt,
    attempt: number,
    sentWith?: { window: SendWindowState; webhook: string },
  ): Promise<{ comeBackAt?: number }> {
    const now = ports.now();
    const sentThrough = sentWith && robot && webhookShown(robot, sentWith.webhook);
    const entry = { ...logEntry(result, now), ...(sentThrough && { webhook: sentThrough }) };
    const attempted: PushRecord = { ...record, attempts: attempt, ...(sentThrough && { webhook: sentThrough }) };
    const answered = { entry, errcode: result.errcode, errmsg: entry.errmsg, response: result.response };
    const acceptedAt = Date.parse(record.createdAt);
    const verdict = afterAttempt(
      { outcome: result.outcome, errmsg: entry.errmsg, attempt, acceptedAt, onUncertain: robot?.onUncertain ?? 'resend' },
      now,
      rules,
    );
    const save = async (ended: PushRecord) => {
      await ports.saveRecord(ended);
      remember(ended);
    };
    if (result.result === 'uncertain') ports.metric('PushUncertain', 1);
    switch (verdict.kind) {
      case 'sent':
        await save(finishedRecord(attempted, { status: 'sent', ...answered }, now));
        if (robot && robot.consecutiveFailures > 0) await ports.clearFailureStreak(robot.id);
        ports.metric('PushSent', 1);
        return {};
      case 'unconfirmed':
        await save(finishedRecord(attempted, { status: 'unconfirmed', ...answered }, now));
        ports.metric('PushUnconfirmed', 1);
        return {};
      case 'failed':
        // the robot's streak (and a disable) first: whoever sees the failed record sees the robot's state with it
        if (verdict.permanent && robot) {
          await ports.countPermanentFailure(robot.id, { errcode: entry.errcode, errmsg: entry.errmsg });
          const updated = await ports.readRobot(robot.id);
          if (updated) inputs.robots.set(updated.id, updated);
        }
        // the job is in the DLQ by the time its record shows the failure
        if (verdict.deadLetter) await ports.deadLetter(parkedJob(job), verdict.reason);
        await save(finishedRecord(attempted, { status: 'failed', ...answered, errmsg: verdict.reason }, now));
        ports.metric('PushFailed', 1);
        return {};
      case 'retry-at': {
        let retryAt = verdict.at;
        if (verdict.cooldownUntil !== undefined && sentWith) {
          const cooling = { ...webhookWindow(sentWith.window, sentWith.webhook), cooldownUntil: verdict.cooldownUntil };
          const cooled = withWebhookWindow(sentWith.window, sentWith.webhook, cooling);
          await keepWindow(cooled);
          // another webhook of the robot's pool may have a slot before this one's cooldown ends
          const otherSlot = nextWebhookSlot(cooled, webhookKeys(robot), now, rules.limit).at;
          retryAt = Math.min(retryAt, Math.max(now + 1000, otherSlot));
        }
        await save(retryingRecord(attempted, entry, retryAt));
        ports.metric(verdict.cooldownUntil === undefined ? 'PushRetried' : 'PushThrottled', 1);
        // how long the push has been retrying: an alarm in AWS watches the oldest
        ports.metric('RetryingPushAge', now - acceptedAt, 'Milliseconds');
        return { comeBackAt: retryAt };
      }
    }
  }
}

const parkedJob = (job: PushJob) => ({ body: JSON.stringify(job), groupId: job.robotId, deduplicationId: job.recordId });

function snapshot(template: Template): TemplateSnapshot {
  const { robotCount: _count, createdAt: _created, updatedAt: _updated, ...source } = template;
  return source;
}

/** The record a job writes if it is the first to: named after the robot and template it is sent with. */
function recordOf(job: PushJob, now: number, robot?: Robot, template?: Template): PushRecord {
  return newQueuedRecord(
    {
      id: job.recordId,
      eventId: job.report.eventId,
      reportId: job.report.reportId,
      reportName: job.report.reportName,
      robotId: job.robotId,
      robotName: robot?.name ?? job.robotName ?? '',
      templateId: robot?.templateId ?? job.templateId ?? '',
      templateName: template?.name ?? '',
    },
    new Date(job.queuedAt ?? now),
  );
}

const webhookKeys = (robot: Robot | undefined) => (robot ? robotWebhooks(robot).map(({ key }) => key) : [ownWebhookKey]);

/** Which webhook sent an attempt, as a record shows it: masked, numbered when the robot has a pool. */
function webhookShown(robot: Robot, key: string): string | undefined {
  const webhooks = robotWebhooks(robot);
  const index = webhooks.findIndex((webhook) => webhook.key === key);
  const masked = webhooks[index]?.webhookUrlMasked;
  if (!masked) return undefined;
  return webhooks.length > 1 ? `#${index + 1} ${masked}` : masked;
}

function logEntry(result: DeliveryAttempt, now: number): AttemptLogEntry {
  return {
    at: new Date(now).toISOString(),
    result: result.result,
    ...(result.httpStatus !== undefined && { httpStatus: result.httpStatus }),
    ...(result.errcode !== undefined && { errcode: result.errcode }),
    errmsg: redactSecrets(result.errmsg),
    durationMs: result.durationMs,
  };
}
