// The worker's use case: one push job from render to record. Returns whether the job is finished or
// should come back later; throws only for infrastructure errors (the queue then redelivers it).
import type { PushJob } from '../../schemas/pushJob';
import { config } from '../config';
import { sendToDingTalk, type DeliveryAttempt } from '../dingtalk/client';
import type { DingTalkMessage } from '../dingtalk/messages';
import { DomainError } from '../errors';
import { log } from '../log';
import { redactSecrets } from '../redact';
import { checkMessage, renderMessage } from '../render/renderMessage';
import { sendToDeadLetterQueue } from '../queue/pushJobsQueue';
import { lateToleranceMs, maxReservationAheadMs, rateLimitStore, type RecordClaim } from '../store/rateLimitStore';
import { finishedRecord, isTerminal, newQueuedRecord, recordsStore, releasedRecord, type AttemptLogEntry, type PushRecord, type TemplateSnapshot } from '../store/recordsStore';
import { robotsStore, type Robot } from '../store/robotsStore';
import type { Template } from '../store/templatesStore';
import { sleep } from '../concurrency';
import { retryDelaySeconds } from './backoff';
import { BatchCache } from './batchCache';
import { setRobotEnabled } from '../robots/robotService';

/**
 * `dingtalkMs`: how long DingTalk took, when it was called. `reservedSlotAt`: the slot the job comes back
 * for. `claimedUntil`: the lease of the claim on its record the job holds, and may take again, when it comes back.
 */
export type JobOutcome = ({ kind: 'done'; status: string } | { kind: 'later'; delaySeconds: number; reason: string; reservedSlotAt?: number; claimedUntil?: number }) & { dingtalkMs?: number };

type Later = Extract<JobOutcome, { kind: 'later' }>;

/**
 * The copy of a job that goes back on the queue: it knows its record exists, and keeps the slot it
 * reserved and the claim it holds (a claim taken on an earlier pass stays its own until its lease ends).
 */
export function jobToComeBack(job: PushJob, outcome: Later): PushJob {
  const { reservedSlotAt: _previousSlot, claimedUntil: previousClaim, ...rest } = job;
  const claimedUntil = outcome.claimedUntil ?? previousClaim;
  return {
    ...rest,
    recordExists: true,
    ...(outcome.reservedSlotAt !== undefined && { reservedSlotAt: outcome.reservedSlotAt }),
    ...(claimedUntil !== undefined && claimedUntil > Date.now() && { claimedUntil }),
  };
}

const done = (status: string): JobOutcome => ({ kind: 'done', status });
const later = (delaySeconds: number, reason: string): Later => ({ kind: 'later', delaySeconds: Math.min(900, Math.max(1, Math.ceil(delaySeconds))), reason });
/**
 * Back well before the reserved slot, then wait inline for it: SQS delays are whole seconds, and a
 * returning job waits for a free worker batch, which may itself be waiting for slots. A job back after
 * its slot has passed moves it to now if the send log still holds it, or else takes the next free one.
 */
const returnAheadMs = Math.max(1000, config.inlineWaitMaxMs - 1000);
const untilSlot = (slotAt: number): Later => ({ kind: 'later', delaySeconds: Math.min(900, Math.max(0, Math.floor((slotAt - Date.now() - returnAheadMs) / 1000))), reason: 'rate-limit', reservedSlotAt: slotAt });

/** Long enough for the wait for a slot and the POST itself; after it another worker may take over. */
export const leaseMs = config.inlineWaitMaxMs + config.dingtalkTimeoutMs + 10_000;

/** The claim on a record that every reservation of its job asks for: taken once its slot is within the inline wait. */
export function claimOf(recordId: string, earlierPass: Pick<RecordClaim, 'slotAt' | 'ownLeaseUntil' | 'missedSlotAt'>): RecordClaim {
  return { recordId, leaseMs, whenWithinMs: config.inlineWaitMaxMs, ...earlierPass };
}

function snapshot(template: Template): TemplateSnapshot {
  const { robotCount: _count, createdAt: _created, updatedAt: _updated, ...source } = template;
  return source;
}

/** The record this job writes if it is the first to: named after the robot and template it is sent with. */
function recordOf(job: PushJob, robot?: Robot, template?: Template): PushRecord {
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
    job.queuedAt ? new Date(job.queuedAt) : new Date(),
  );
}

export async function deliverPushJob(job: PushJob, cache = new BatchCache()): Promise<JobOutcome> {
  const context = { recordId: job.recordId, robotId: job.robotId, correlationId: job.correlationId };
  // a job that may not be the first for its record (put back, redelivered, a repeated fan-out) reads it first
  const previous = job.recordExists ? await cache.record(job.recordId) : undefined;
  if (previous && isTerminal(previous.status)) return done(previous.status);
  const robot = await cache.robot(job.robotId);
  if (!robot) return closeWithoutSending(recordOf(job), 'skipped', 'The robot was deleted after the event was published');
  if (!robot.enabled) {
    return closeWithoutSending(recordOf(job, robot), 'skipped', `The robot is disabled${robot.disabledReason ? ` (${robot.disabledReason})` : ''}`);
  }
  const template = await cache.template(robot.templateId);
  if (!template) return closeWithoutSending(recordOf(job, robot), 'failed', `The robot's template ${robot.templateId} no longer exists`);
  const record = recordOf(job, robot, template);

  let message: DingTalkMessage;
  try {
    message = { ...renderMessage(template, job.report, robot), msgUuid: job.recordId };
  } catch (error) {
    if (error instanceof DomainError) return closeWithoutSending(record, 'failed', error.message, { template: snapshot(template) });
    throw error;
  }
  const check = checkMessage(message, robot);
  if (check.problems.length > 0) {
    return closeWithoutSending(record, 'failed', check.problems.join(' '), { content: message, template: snapshot(template) });
  }

  // a job that waits for its slot shows as queued meanwhile (a record that exists is left as it is)
  const waiting = async (outcome: JobOutcome): Promise<JobOutcome> => {
    await recordsStore.ensureQueued(record);
    return outcome;
  };
  // a slot reserved on an earlier pass is still ours while it has not passed
  const reservedAheadMs = job.reservedSlotAt === undefined ? undefined : job.reservedSlotAt - Date.now();
  if (reservedAheadMs !== undefined && reservedAheadMs > config.inlineWaitMaxMs) return waiting(untilSlot(job.reservedSlotAt as number));
  const coolingDownUntil = cache.rateStates.get(robot.id)?.cooldownUntil ?? 0;
  if (coolingDownUntil > Date.now()) return waiting(later((coolingDownUntil - Date.now()) / 1000, 'cooldown'));
  const stillOurs = reservedAheadMs !== undefined && reservedAheadMs >= -slotTolerance;
  // one conditional write of the robot's send log takes the slot and claims the record for this attempt
  const reservation = await rateLimitStore.reserve(
    robot.id,
    sendWindow,
    maxReservationAheadMs,
    cache.rateStates,
    claimOf(job.recordId, {
      ...(stillOurs ? { slotAt: job.reservedSlotAt } : job.reservedSlotAt !== undefined && { missedSlotAt: job.reservedSlotAt }),
      ...(job.claimedUntil !== undefined && { ownLeaseUntil: job.claimedUntil }),
    }),
  );
  if ('heldForMs' in reservation) return later(reservation.heldForMs / 1000 + 1, 'another worker holds this job');
  if ('waitMs' in reservation) return waiting(later(reservation.waitMs / 1000, reservation.reason));
  if (reservation.claimedUntil === undefined) return waiting(untilSlot(reservation.slotAt));
  const attempt = (previous?.attempts ?? 0) + 1;
  const claimed: PushRecord = { ...(previous ?? record), status: 'sending', attempts: attempt, updatedAt: new Date().toISOString() };

  const onTime = await waitForSlot(job.recordId, robot.id, { slotAt: reservation.slotAt, claimedUntil: reservation.claimedUntil }, cache);
  // the claim stays ours: the job takes it again when it comes back
  if ('waitMs' in onTime) return { ...later(onTime.waitMs / 1000, onTime.reason), claimedUntil: onTime.claimedUntil };
  const { claimedUntil } = onTime;
  const result = await sendToDingTalk(message, { webhookUrl: robot.webhookUrl, secret: robot.secret, timeoutMs: config.dingtalkTimeoutMs });
  const entry = logEntry(result);
  log.info('dingtalk answered', { ...context, attempt, outcome: result.outcome, errcode: result.errcode, httpStatus: result.httpStatus, durationMs: result.durationMs });

  const finished = { entry, errcode: result.errcode, errmsg: entry.errmsg, response: result.response };
  // the record and the content it sent are written together, with the other attempts of the batch that end at the same time
  const save = (ended: PushRecord) => cache.saveEndedAttempt(ended, message, snapshot(template));
  switch (result.outcome) {
    case 'ok':
      await save(finishedRecord(claimed, { status: 'sent', ...finished }));
      if (robot.consecutiveFailures > 0) await robotsStore.clearFailureStreak(robot.id);
      return { ...done('sent'), dingtalkMs: result.durationMs };
    case 'permanent':
      // the robot's streak (and a disable) first: whoever sees the failed record sees the robot's state with it
      await countPermanentFailure(robot.id, entry.errmsg, cache);
      await save(finishedRecord(claimed, { status: 'failed', ...finished }));
      return { ...done('failed'), dingtalkMs: result.durationMs };
    case 'throttled':
    case 'retryable': {
      let minimumSeconds = 0;
      if (result.outcome === 'throttled') {
        await rateLimitStore.coolDown(robot.id, Date.now() + config.throttleCooldownMs);
        minimumSeconds = config.throttleCooldownMs / 1000;
      }
      if (attempt >= config.maxAttempts) {
        const reason = `Gave up after ${attempt} attempts; last: ${entry.errmsg}`;
        // the job is in the DLQ by the time its record shows the failure
        await sendToDeadLetterQueue(job, reason);
        await save(finishedRecord(claimed, { status: 'failed', ...finished, errmsg: reason }));
        return { ...done('failed'), dingtalkMs: result.durationMs };
      }
      await save(releasedRecord(claimed, entry));
      return { ...later(retryDelaySeconds(attempt, config.retryBaseSeconds, minimumSeconds), result.outcome === 'throttled' ? 'throttled' : 'retry'), dingtalkMs: result.durationMs, claimedUntil };
    }
  }
}

/** The robot's window as the worker reserves against it: DingTalk's limit and this service's margin. */
export const sendWindow = { messages: config.rateLimit.messages, windowMs: config.rateLimit.windowMs, marginMs: config.rateMarginMs };
const slotTolerance = lateToleranceMs(sendWindow);

type Claimed = { slotAt: number; claimedUntil: number };

/** Sleeps until the slot; a job that wakes too late for it moves it to now (or, failing that, takes the next) and renews its claim. */
async function waitForSlot(recordId: string, robotId: string, reservation: Claimed, cache: BatchCache): Promise<Claimed | { waitMs: number; reason: string; claimedUntil: number }> {
  let { slotAt, claimedUntil } = reservation;
  for (;;) {
    await sleep(slotAt - Date.now());
    if (Date.now() - slotAt <= slotTolerance) return { slotAt, claimedUntil };
    const again = await rateLimitStore.reserve(robotId, sendWindow, config.inlineWaitMaxMs, cache.rateStates, claimOf(recordId, { ownLeaseUntil: claimedUntil, missedSlotAt: slotAt }));
    // a stall past the lease let another worker take the record over
    if ('heldForMs' in again) return { waitMs: again.heldForMs + 1000, reason: 'another worker holds this job', claimedUntil };
    if ('waitMs' in again) return { ...again, claimedUntil };
    ({ slotAt } = again);
    claimedUntil = again.claimedUntil ?? claimedUntil;
  }
}

function logEntry(result: DeliveryAttempt): AttemptLogEntry {
  return {
    at: new Date().toISOString(),
    ...(result.httpStatus !== undefined && { httpStatus: result.httpStatus }),
    ...(result.errcode !== undefined && { errcode: result.errcode }),
    errmsg: redactSecrets(result.errmsg),
    durationMs: result.durationMs,
  };
}

async function closeWithoutSending(record: PushRecord, status: 'skipped' | 'failed', reason: string, extra: Parameters<typeof recordsStore.close>[3] = {}): Promise<JobOutcome> {
  const closed = await recordsStore.close(record, status, reason, extra);
  return closed ? done(status) : whyNotClaimed(record.id);
}

/** The record could not be taken: finished already (a duplicate job), or another worker holds its lease. */
async function whyNotClaimed(recordId: string): Promise<JobOutcome> {
  const record = await recordsStore.get(recordId);
  if (!record) {
    log.warn('push job without a record; dropped', { recordId });
    return done('missing');
  }
  if (isTerminal(record.status)) return done(record.status);
  const leaseLeftMs = (record.leaseUntil ?? Date.now()) - Date.now();
  return later(Math.max(1, leaseLeftMs / 1000 + 1), 'another worker holds this job');
}

async function countPermanentFailure(robotId: string, errmsg: string, cache: BatchCache): Promise<void> {
  const streak = await robotsStore.recordPermanentFailure(robotId);
  if (streak < config.autoDisableAfterFailures) return;
  const robot = await robotsStore.get(robotId);
  if (!robot?.enabled) return;
  const reason = `Disabled automatically after ${streak} consecutive failed pushes; last error: ${errmsg}`;
  try {
    await setRobotEnabled(robotId, false, reason);
    cache.forgetRobot(robotId);
    log.warn('robot disabled automatically', { robotId, streak });
  } catch (error) {
    // an admin edited the robot at the same moment; the next failure will try again
    log.warn('could not disable robot automatically', { robotId, error });
  }
}
