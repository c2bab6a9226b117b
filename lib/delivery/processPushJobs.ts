// A batch of queued messages → delivered pushes. The queue's message groups (one per robot) hand this batch
// a robot's jobs in order and to no one else; within the batch each robot's jobs run one after another and
// different robots in parallel. Decisions come from decidePushStep; this module only carries them out.
import { fanOutJobSchema, pushJobSchema, releaseJobSchema, type FanOutJob, type PushJob, type ReleaseJob } from '../../schemas/pushJob';
import { backoff } from '../backoff';
import { forEachConcurrently } from '../concurrency';
import type { DeliveryAttempt } from '../dingtalk/client';
import { toChannel, type ChannelMessage } from '../channels/channels';
import { weComImageMessage } from '../channels/wecom';
import { log } from '../log';
import { redactSecrets } from '../redact';
import type { DeliveryInputs } from '../store/deliveryInputs';
import {
  finishedRecord,
  newQueuedRecord,
  partSentRecord,
  retryingRecord,
  type PictureSent,
  type AttemptLogEntry,
  type PushRecord,
  type TemplateSnapshot,
} from '../store/recordsStore';
import type { Robot } from '../store/robotsStore';
import type { Template } from '../store/templatesStore';
import { validateBody } from '../validation/validate';
import { randomUUID } from 'node:crypto';
import { renderDigest } from '../render/digest';
import { afterAttempt, decidePushStep, slotStep, type DeliveryRules } from './decidePushStep';
import { digestPlan, type DigestPlan } from './digestPlan';
import type { InFlightAttempt, SendWindowState } from '../store/sendWindowStore';
import { quietUntil } from './quietHours';
import { earliestSlot, emptyWindow, lateToleranceMs, nextWebhookSlot, webhookWindow, withSend, withWebhookWindow } from './sendWindow';
import { robotWebhooks } from '../robots/webhookUrl';

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
  /** The jobs' robots, templates, windows and records; `robotId`'s too when `jobs` holds none of its. */
  readInputs(jobs: PushJob[], robotId?: string): Promise<DeliveryInputs>;
  readRobot(id: string): Promise<Robot | undefined>;
  putWindow(robotId: string, window: SendWindowState): Promise<void>;
  /** Sends through one of the robot's webhooks (its key: lib/robots/webhookUrl.ts). */
  send(message: ChannelMessage, robot: Robot, webhook: string): Promise<DeliveryAttempt>;
  /** A stored screenshot's bytes (WeCom sends them as an image message), or undefined when no longer kept. */
  readImage(id: string): Promise<Buffer | undefined>;
  /** Writes the exact body about to be sent, and its template, before the POST. */
  saveContent(recordId: string, content: ChannelMessage, template: TemplateSnapshot): Promise<void>;
  /** Writes a record after an attempt ended (or was found lost). */
  saveRecord(record: PushRecord): Promise<void>;
  /** Ends a record without a DingTalk call (created if absent). */
  closeRecord(
    record: PushRecord,
    status: 'skipped' | 'failed',
    reason: string,
    extra: { content?: ChannelMessage; template?: TemplateSnapshot },
    now: number,
  ): Promise<void>;
  /** Holds a push for the robot's quiet hours (its record shows held until they end). */
  holdRecord(record: PushRecord, until: number, now: number): Promise<void>;
  /** A robot's held pushes as jobs, oldest first; those whose report is no longer kept are closed failed. */
  readHeld(robotId: string, limit: number): Promise<PushJob[]>;
  /** Queues a release of the robot's held pushes in its message group. */
  requestRelease(robotId: string): Promise<void>;
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
  | { message: QueueMessage; job: PushJob }
  | { message: QueueMessage; release: ReleaseJob }
  | { message: QueueMessage; fanOut: FanOutJob }
  | { message: QueueMessage; poison: string };

/** What a robot's message group holds: its pushes, and releases of the pushes its quiet hours held. */
type GroupEntry = { message: QueueMessage; job: PushJob } | { message: QueueMessage; release: ReleaseJob };

const groupsInFlight = 10;

/** Only the fields this version knows: a job from a newer or older version may carry others. */
function parse(message: QueueMessage): Parsed {
  try {
    const body = JSON.parse(message.body) as Record<string, unknown> | null;
    if (body?.kind === 'fanOut') {
      const { kind, report, from } = validateBody<FanOutJob>(fanOutJobSchema, body);
      return { message, fanOut: { kind, report, from } };
    }
    if (body?.kind === 'release') {
      const { kind, robotId } = validateBody<ReleaseJob>(releaseJobSchema, body);
      return { message, release: { kind, robotId } };
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
  const groups = new Map<string, GroupEntry[]>();
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
      const groupId = entry.message.groupId ?? ('job' in entry ? entry.job.robotId : entry.release.robotId);
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
    inputs = await ports.readInputs(allJobs.flatMap((entry) => ('job' in entry ? [entry.job] : [])));
  } catch (error) {
    log.warn("could not read the batch's robots and records; its jobs come back", { error });
    await comeBack(allJobs, infrastructureRetryAt(allJobs[0].message, ports.now()));
    return { failedMessageIds };
  }

  await forEachConcurrently([...groups.values()], groupsInFlight, async (group) => {
    let index = 0;
    while (index < group.length) {
      const entry = group[index];
      const { message } = entry;
      // a batch holds up to 10 of a robot's jobs: those not started by the end of the invocation's budget go
      // back now, so no holder outlives its messages' visibility (or Lambda's timeout) and meets the next one
      if (ports.now() > sendBy) return comeBack(group.slice(index), ports.now());
      try {
        let outcome: Delivered;
        if ('release' in entry) outcome = await release(entry.release.robotId, inputs, ports, rules, sendBy);
        else {
          // the run of pushes up to the next release: a digest never reaches past one
          const next = group.slice(index).findIndex((later) => 'release' in later);
          const jobs = group.slice(index, next < 0 ? undefined : index + next).flatMap((later) => ('job' in later ? [later.job] : []));
          outcome = await deliverNext(jobs, inputs, ports, rules, sendBy);
        }
        // the rest of the robot's jobs wait behind this one (or this digest), in order
        if (outcome.comeBackAt !== undefined) return comeBack(group.slice(index), outcome.comeBackAt);
        index += outcome.handled ?? 1;
      } catch (error) {
        log.warn("push job hit an infrastructure error; it and the robot's later jobs come back", {
          messageId: message.messageId,
          ...('job' in entry ? { recordId: entry.job.recordId } : { release: entry.release.robotId }),
          error,
        });
        return comeBack(group.slice(index), infrastructureRetryAt(message, ports.now()));
      }
    }
  });
  return { failedMessageIds };
}

/** The first of `jobs` (one robot's, in order) delivered alone, or a digest of the first few. */
async function deliverNext(
  jobs: PushJob[],
  inputs: DeliveryInputs,
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sendBy: number,
  releasing = false,
): Promise<Delivered> {
  const digest = digestPlan(jobs, inputs, ports.now(), sendBy, rules, releasing);
  return digest
    ? deliverDigest(digest, inputs, ports, rules, sendBy)
    : deliver(jobs[0], jobs.slice(1), inputs, ports, rules, sendBy, releasing);
}

/**
 * A robot's quiet hours ended: its held pushes go out now, oldest first (as digests when it takes them),
 * ahead of the pushes queued behind this release in its group. If they cannot all go now, the release
 * comes back when they can, and everything behind it waits.
 */
async function release(
  robotId: string,
  inputs: DeliveryInputs,
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sendBy: number,
): Promise<Delivered> {
  for (;;) {
    if (ports.now() > sendBy) return { comeBackAt: ports.now() + 1000 };
    const listed = await ports.readHeld(robotId, releasePage);
    const read = await ports.readInputs(listed, robotId);
    for (const [id, robot] of read.robots) inputs.robots.set(id, robot);
    for (const [id, template] of read.templates) inputs.templates.set(id, template);
    for (const [id, record] of read.records) inputs.records.set(id, record);
    // the window as this batch left it, if it sent for the robot already
    if (!inputs.windows.has(robotId)) inputs.windows.set(robotId, read.windows.get(robotId) ?? emptyWindow);
    // the status index is read eventually consistent: a push it still lists may be sent already
    const held = listed.filter((job) => inputs.records.get(job.recordId)?.status === 'held');
    const robot = inputs.robots.get(robotId);
    const window = inputs.windows.get(robotId) ?? emptyWindow;
    const quietEnd = robot?.quietHours && quietUntil(robot.quietHours, ports.now());
    if (held.length === 0 || quietEnd) {
      // nothing held (any more): later pushes stop joining; or quiet again: they join until the new end
      const { heldUntil: _released, ...rest } = window;
      const next = held.length === 0 ? rest : { ...window, heldUntil: quietEnd as number };
      await ports.putWindow(robotId, next);
      inputs.windows.set(robotId, next);
      return {};
    }
    let index = 0;
    while (index < held.length) {
      const outcome = await deliverNext(held.slice(index), inputs, ports, rules, sendBy, true);
      if (outcome.comeBackAt !== undefined) return outcome;
      index += outcome.handled ?? 1;
    }
  }
}

/** Held pushes a release reads at a time: a digest's worth, as a batch would hand them. */
const releasePage = 10;

interface Delivered {
  comeBackAt?: number;
  /** How many of the group's jobs this took (a digest's members; 0: the job has more to send); 1 when absent. */
  handled?: number;
}

/** Carries out one job's step; says when the job comes back if it is not finished. `following`: the robot's jobs behind it. */
async function deliver(
  job: PushJob,
  following: PushJob[],
  inputs: DeliveryInputs,
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sendBy: number,
  releasing = false,
): Promise<Delivered> {
  const robot = inputs.robots.get(job.robotId);
  const template = robot && inputs.templates.get(robot.templateId);
  const window = inputs.windows.get(job.robotId) ?? emptyWindow;
  const previous = inputs.records.get(job.recordId);
  const record = previous ?? recordOf(job, ports.now(), robot, template);
  const remember = (ended: PushRecord) => inputs.records.set(ended.id, ended);
  const step = decidePushStep({ job, record: previous, robot, template, window, now: ports.now(), sendBy, releasing }, rules);
  const context = { recordId: job.recordId, robotId: job.robotId, correlationId: job.correlationId, step: step.kind };

  switch (step.kind) {
    case 'already-finished':
      return {};
    case 'attempt-lost': {
      log.warn('a worker stopped after starting an attempt and before recording it: the attempt is uncertain', context);
      // a lost digest's members shared its one attempt: they end it together (those in this batch)
      const sameDigest = (next: PushJob) =>
        Boolean(step.digestId) &&
        Boolean(window.inFlight?.members?.includes(next.recordId)) &&
        inputs.records.get(next.recordId)?.digestId !== step.digestId;
      const carried = [job, ...following.filter(sameDigest)].map((lostJob) => ({
        job: lostJob,
        record: {
          ...(inputs.records.get(lostJob.recordId) ?? recordOf(lostJob, ports.now(), robot, template)),
          ...(step.digestId && { digestId: step.digestId }),
        },
      }));
      if (step.digestId && robot) await closeLostDigest(step.digestId, job, robot, ports);
      const lost = {
        result: 'uncertain',
        outcome: 'uncertain',
        errmsg: step.digestId
          ? `The worker stopped after sending digest ${step.digestId} and before it recorded the answer: the group may show it`
          : 'The worker stopped after sending and before it recorded the answer: the group may show it',
        durationMs: 0,
      } as const;
      return settleAttempt(carried, lost, inputs, ports, rules);
    }
    case 'hold': {
      await ports.holdRecord(record, step.until, ports.now());
      remember({ ...record, status: 'held', heldUntil: new Date(step.until).toISOString() });
      if ((window.heldUntil ?? 0) < step.until) {
        const holding = { ...window, heldUntil: step.until };
        await ports.putWindow(job.robotId, holding);
        inputs.windows.set(job.robotId, holding);
      }
      // joined pushes whose release is due: ask for it (the sweeper asks too, after quiet hours end)
      if (step.until <= ports.now()) await ports.requestRelease(job.robotId);
      ports.metric('PushHeld', 1);
      return {};
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
    case 'wait-for-slot':
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
  const slotAt = step.kind === 'wait-inline' ? step.slotAt : ports.now();
  const inFlight = { recordId: job.recordId, attempt: step.attempt };
  // the push's body, kept on its record before it goes; or one of its pictures (WeCom), after the body went
  let body = step.body;
  let beforeSend: Promise<void>;
  let picture: PictureSent | undefined;
  if (step.picture) {
    const bytes = await ports.readImage(step.picture.id);
    if (!bytes) {
      const reason = `The screenshot ${step.picture.name} is no longer kept, so it cannot follow the message`;
      await ports.closeRecord(record, 'failed', reason, {}, ports.now());
      remember({ ...record, status: 'failed' });
      return {};
    }
    const image = weComImageMessage(bytes);
    body = image;
    picture = { name: step.picture.name, md5: image.image.md5, bytes: bytes.length };
    beforeSend = Promise.resolve();
  } else beforeSend = ports.saveContent(job.recordId, step.body, snapshot(template as Template));
  const sent = await sendInSlot(body, robot as Robot, step.webhook, slotAt, inFlight, beforeSend, inputs, ports, rules);
  log.info('robot webhook answered', {
    ...context,
    attempt: step.attempt,
    ...(picture && { picture: picture.md5 }),
    ...answerFields(sent.result),
  });
  // the pictures the group will have had if this went, and whether more follow
  const picturesSent = picture ? [...(record.picturesSent ?? []), picture] : [];
  const parts = step.pictures > 0 ? { picturesSent, more: picturesSent.length < step.pictures } : undefined;
  return settleAttempt(
    [{ job, record }],
    sent.result,
    inputs,
    ports,
    rules,
    { window: sent.window, webhook: step.webhook },
    undefined,
    parts,
  );
}

/**
 * Takes the slot and sends. The slot, and this attempt as started, are written into the window before the
 * POST: a worker that dies after sending must neither leave the window short nor let its attempt pass
 * unnoticed. `beforeSend` (the body's write) runs beside it. A write slow enough to make the send late
 * writes a later time (the first was never used).
 */
async function sendInSlot(
  message: ChannelMessage,
  robot: Robot,
  webhook: string,
  slotAt: number,
  inFlight: Omit<InFlightAttempt, 'at'>,
  beforeSend: Promise<void>,
  inputs: DeliveryInputs,
  ports: DeliveryPorts,
  rules: DeliveryRules,
): Promise<{ result: DeliveryAttempt; window: SendWindowState }> {
  const window = inputs.windows.get(robot.id) ?? emptyWindow;
  const webhookSends = webhookWindow(window, webhook);
  const { limit } = rules.channels[robot.channel];
  const startedAttempt = (at: number) => ({
    ...withWebhookWindow(window, webhook, withSend(webhookSends, at, limit)),
    inFlight: { ...inFlight, at },
  });
  /** The robot's window as stored, and as the batch's later jobs for the robot see it. */
  const keepWindow = async (state: SendWindowState) => {
    await ports.putWindow(robot.id, state);
    inputs.windows.set(robot.id, state);
  };
  let taken = startedAttempt(slotAt);
  await Promise.all([keepWindow(taken), beforeSend]);
  await ports.sleep(slotAt - ports.now());
  while (ports.now() - slotAt > lateToleranceMs(limit)) {
    slotAt = earliestSlot(webhookSends.sends, ports.now(), limit);
    taken = startedAttempt(slotAt);
    await keepWindow(taken);
    await ports.sleep(slotAt - ports.now());
  }
  const result = await ports.send(message, robot, webhook);
  // DingTalk counted the message on arrival, which was before its answer: an answer later than the other
  // half of the margin moves the send to the answer's time, so the next sends keep their distance from it
  if (ports.now() - slotAt > lateToleranceMs(limit)) {
    taken = startedAttempt(ports.now());
    await keepWindow(taken);
  }
  ports.metric('DingTalkLatency', result.durationMs, 'Milliseconds');
  return { result, window: taken };
}

/** Sends the first digest of a run of waiting pushes (as many as fit in one message) in one slot. */
async function deliverDigest(
  plan: DigestPlan,
  inputs: DeliveryInputs,
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sendBy: number,
): Promise<Delivered> {
  const { robot, template } = plan;
  const now = ports.now();
  const rendered = renderDigest(
    plan.members.map(({ job, message }) => ({ message, reportName: job.report.reportName })),
    template.digest,
    robot,
    robot.channel,
  );
  const members = plan.members.slice(0, rendered.count);
  const slot = slotStep(inputs.windows.get(robot.id) ?? emptyWindow, robot, now, sendBy, rules);
  if (slot.kind === 'wait-for-slot') {
    // the members wait on the queue, each with its record showing it queued
    const unrecorded = members.filter(({ job }) => !inputs.records.has(job.recordId)).map(({ job }) => recordOf(job, now, robot, template));
    await Promise.all(unrecorded.map((record) => ports.ensureQueued(record)));
    for (const record of unrecorded) inputs.records.set(record.id, record);
    ports.metric('PushThrottled', members.length);
    return { comeBackAt: slot.at };
  }
  const title = rendered.message.msgtype === 'markdown' ? rendered.message.markdown.title : 'digest';
  const body = toChannel(robot.channel, rendered.message);
  const digest: PushRecord = {
    ...digestRecordOf(`digest-${randomUUID()}`, members[0].job.recordId, robot, template, title, now),
    members: members.map(({ job }) => job.recordId),
  };
  const inFlight = { recordId: digest.id, attempt: 1, members: digest.members };
  const beforeSend = Promise.all([ports.saveContent(digest.id, body, snapshot(template)), ports.ensureQueued(digest)]).then(
    () => undefined,
  );
  const slotAt = slot.kind === 'wait-inline' ? slot.slotAt : now;
  const sent = await sendInSlot(body, robot, slot.webhook, slotAt, inFlight, beforeSend, inputs, ports, rules);
  log.info('dingtalk answered a digest', { robotId: robot.id, digestId: digest.id, members: members.length, ...answerFields(sent.result) });
  ports.metric('DigestSent', 1);
  const records = members.map(({ job }) => ({ job, record: inputs.records.get(job.recordId) ?? recordOf(job, now, robot, template) }));
  const settled = await settleAttempt(records, sent.result, inputs, ports, rules, { window: sent.window, webhook: slot.webhook }, digest);
  return { ...settled, handled: members.length };
}

/**
 * Records how an attempt ended, on every push it carried (one, or a digest's members), and says when they
 * come back, if they do. A digest's own record ends sent, or failed when its members go on without it.
 */
async function settleAttempt(
  carried: { job: PushJob; record: PushRecord }[],
  result: DeliveryAttempt,
  inputs: DeliveryInputs,
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sentWith?: { window: SendWindowState; webhook: string },
  digest?: PushRecord,
  parts?: { picturesSent: PictureSent[]; more: boolean },
): Promise<Delivered> {
  const now = ports.now();
  const robot = inputs.robots.get(carried[0].job.robotId);
  const sentThrough = sentWith && robot && webhookShown(robot, sentWith.webhook);
  const through = { ...(sentThrough && { webhook: sentThrough }), ...(digest && { digestId: digest.id }) };
  const entry = { ...logEntry(result, now), ...through };
  const attempt = Math.max(...carried.map(({ record }) => record.attempts)) + 1;
  const acceptedAt = Math.min(...carried.map(({ record }) => Date.parse(record.createdAt)));
  const answered = { entry, errcode: result.errcode, errmsg: entry.errmsg, response: result.response };
  const verdict = afterAttempt(
    {
      outcome: result.outcome,
      errmsg: entry.errmsg,
      attempt,
      acceptedAt,
      onUncertain: robot?.onUncertain ?? 'resend',
      channel: robot?.channel ?? 'dingtalk',
    },
    now,
    rules,
  );
  const count = carried.length;
  const saveAll = async (ended: (attempted: PushRecord) => PushRecord) => {
    const records = carried.map(({ record }) => ended({ ...record, attempts: record.attempts + 1, ...through }));
    await Promise.all(records.map((record) => ports.saveRecord(record)));
    for (const record of records) inputs.records.set(record.id, record);
  };
  if (result.result === 'uncertain') ports.metric('PushUncertain', count);
  if (digest) {
    const delivered = verdict.kind === 'sent';
    const errmsg = delivered ? undefined : `${entry.errmsg}; its ${count} pushes went on without it (see each one's record)`;
    await ports.saveRecord(
      finishedRecord(
        { ...digest, attempts: 1, ...(sentThrough && { webhook: sentThrough }) },
        { ...answered, status: delivered ? 'sent' : 'failed', errmsg },
        now,
      ),
    );
  }
  switch (verdict.kind) {
    case 'sent':
      // its pictures follow at once, in the next slots, before anything queued behind it
      if (parts?.more) {
        await saveAll((attempted) => partSentRecord(attempted, entry, parts.picturesSent));
        return { handled: 0 };
      }
      await saveAll((attempted) =>
        finishedRecord({ ...attempted, ...(parts && { picturesSent: parts.picturesSent }) }, { status: 'sent', ...answered }, now),
      );
      if (robot && robot.consecutiveFailures > 0) await ports.clearFailureStreak(robot.id);
      ports.metric('PushSent', count);
      return {};
    case 'unconfirmed':
      await saveAll((attempted) => finishedRecord(attempted, { status: 'unconfirmed', ...answered }, now));
      ports.metric('PushUnconfirmed', count);
      return {};
    case 'failed':
      // the robot's streak (and a disable) first: whoever sees the failed record sees the robot's state with it
      if (verdict.permanent && robot) {
        await ports.countPermanentFailure(robot.id, { errcode: entry.errcode, errmsg: entry.errmsg });
        const updated = await ports.readRobot(robot.id);
        if (updated) inputs.robots.set(updated.id, updated);
      }
      // the jobs are in the DLQ by the time their records show the failure
      if (verdict.deadLetter) for (const { job } of carried) await ports.deadLetter(parkedJob(job), verdict.reason);
      await saveAll((attempted) => finishedRecord(attempted, { status: 'failed', ...answered, errmsg: verdict.reason }, now));
      ports.metric('PushFailed', count);
      return {};
    case 'retry-at': {
      let retryAt = verdict.at;
      if (verdict.cooldownUntil !== undefined && sentWith) {
        const cooling = { ...webhookWindow(sentWith.window, sentWith.webhook), cooldownUntil: verdict.cooldownUntil };
        const cooled = withWebhookWindow(sentWith.window, sentWith.webhook, cooling);
        await ports.putWindow(carried[0].job.robotId, cooled);
        inputs.windows.set(carried[0].job.robotId, cooled);
        // another webhook of the robot's pool may have a slot before this one's cooldown ends
        if (robot)
          retryAt = Math.min(retryAt, Math.max(now + 1000, nextWebhookSlot(cooled, robot, now, rules.channels[robot.channel].limit).at));
      }
      await saveAll((attempted) => retryingRecord(attempted, entry, retryAt));
      ports.metric(verdict.cooldownUntil === undefined ? 'PushRetried' : 'PushThrottled', count);
      // how long the push has been retrying: an alarm in AWS watches the oldest
      ports.metric('RetryingPushAge', now - acceptedAt, 'Milliseconds');
      return { comeBackAt: retryAt };
    }
  }
}

/** A digest's record as first written (queued); its event id names its first member, as no event is its own. */
function digestRecordOf(
  id: string,
  firstMemberId: string,
  robot: Robot,
  template: { id: string; name: string },
  reportName: string,
  now: number,
): PushRecord {
  return newQueuedRecord(
    {
      id,
      eventId: `digest-${firstMemberId}`,
      reportId: 'digest',
      reportName,
      robotId: robot.id,
      robotName: robot.name,
      channel: robot.channel,
      templateId: template.id,
      templateName: template.name,
    },
    new Date(now),
  );
}

/** A digest whose worker stopped mid-send: its record ends failed, saying the group may show it. */
async function closeLostDigest(digestId: string, job: PushJob, robot: Robot, ports: DeliveryPorts): Promise<void> {
  const stub = digestRecordOf(digestId, job.recordId, robot, { id: robot.templateId, name: '' }, 'digest', ports.now());
  const reason =
    'The worker stopped after sending this digest and before it recorded the answer: the group may show it; its pushes went on';
  await ports.closeRecord({ ...stub, uncertain: 1 }, 'failed', reason, {}, ports.now());
}

const answerFields = (result: DeliveryAttempt) => ({
  result: result.result,
  outcome: result.outcome,
  errcode: result.errcode,
  httpStatus: result.httpStatus,
  durationMs: result.durationMs,
});

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
      ...(robot && { channel: robot.channel }),
      templateId: robot?.templateId ?? job.templateId ?? '',
      templateName: template?.name ?? '',
    },
    new Date(job.queuedAt ?? now),
  );
}

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
