// One push job's next step carried out: it ends without sending (skipped, failed, held), waits on the queue,
// or sends its message (or the next of the pictures that follow it) in the robot's next slot.
import { createHash } from 'node:crypto';
import type { PushJob } from '../../schemas/pushJob';
import { adapterOf } from '../channels';
import type { PictureSent, PushRecord } from '../domain/pushRecord';
import type { Template } from '../domain/template';
import { log } from '../log';
import {
  answerFields,
  comeBack,
  currentRecord,
  done,
  keepWindow,
  remember,
  snapshot,
  windowOf,
  type DeliveryContext,
  type Delivered,
} from './context';
import { decidePushStep, type PushStep } from './decidePushStep';
import { closeLostAttempt } from './lostAttempt';
import { sendInSlot } from './sendInSlot';
import { settleAttempt } from './settleAttempt';

/** `following`: the robot's jobs behind this one, in order; `releasing`: quiet hours held it and have ended. */
export async function deliverPush(context: DeliveryContext, job: PushJob, following: PushJob[], releasing = false): Promise<Delivered> {
  const { inputs, ports } = context;
  const robot = inputs.robots.get(job.robotId);
  const template = robot && inputs.templates.get(robot.templateId);
  const window = windowOf(context, job.robotId);
  const previous = inputs.records.get(job.recordId);
  const input = { job, record: previous, robot, template, window, now: ports.now(), sendBy: context.sendBy, releasing };
  const step = decidePushStep(input, context.rules);
  switch (step.kind) {
    case 'already-finished':
      return done();
    case 'attempt-lost':
      log.warn('a worker stopped after starting an attempt and before recording it: the attempt is uncertain', logContext(job, step));
      return closeLostAttempt(context, job, following, step);
    case 'wait-inline':
    case 'send':
      return send(context, job, step);
    default:
      return withoutSending(context, currentRecord(context, job, robot, template), step, { recorded: previous !== undefined, template });
  }
}

const logContext = (job: PushJob, step: PushStep) => ({
  recordId: job.recordId,
  robotId: job.robotId,
  correlationId: job.correlationId,
  step: step.kind,
});

/** A step that sends nothing now: the record ends, is held, or shows queued while the job waits on the queue. */
async function withoutSending(
  context: DeliveryContext,
  record: PushRecord,
  step: Extract<PushStep, { kind: 'hold' | 'skip' | 'finish-failed' | 'come-back-at' | 'wait-for-slot' }>,
  { recorded, template }: { recorded: boolean; template?: Template },
): Promise<Delivered> {
  const { ports } = context;
  const now = ports.now();
  switch (step.kind) {
    case 'hold': {
      await ports.holdRecord(record, step.until, now);
      remember(context, { ...record, status: 'held', heldUntil: new Date(step.until).toISOString() });
      const window = windowOf(context, record.robotId);
      if ((window.heldUntil ?? 0) < step.until) await keepWindow(context, record.robotId, { ...window, heldUntil: step.until });
      // joined pushes whose release is due: ask for it (the sweeper asks too, after quiet hours end)
      if (step.until <= now) await ports.requestRelease(record.workspaceId, record.robotId);
      ports.metric('PushHeld', 1);
      return done();
    }
    case 'skip':
      await ports.closeRecord(record, 'skipped', step.reason, now);
      remember(context, { ...record, status: 'skipped' });
      ports.metric('PushSkipped', 1);
      return done();
    case 'finish-failed': {
      const content = { ...(step.content && { content: step.content }), ...(template && { template: snapshot(template) }) };
      await ports.closeRecord({ ...record, ...content }, 'failed', step.reason, now);
      remember(context, { ...record, status: 'failed' });
      ports.metric('PushFailed', 1);
      return done();
    }
    case 'come-back-at':
    case 'wait-for-slot':
      // a job that returns to wait again has its record already
      if (!recorded) {
        await ports.ensureQueued(record);
        remember(context, record);
      }
      ports.metric(step.reason === 'retry-later' ? 'PushRetried' : 'PushThrottled', 1);
      return comeBack(step.at);
  }
}

/** The push's message, kept with the attempt as started; or, after it went, the next picture that follows it. */
async function send(context: DeliveryContext, job: PushJob, step: Extract<PushStep, { kind: 'send' | 'wait-inline' }>): Promise<Delivered> {
  const { ports } = context;
  const { robot, template } = step;
  const record = currentRecord(context, job, robot, template);
  let body = step.body;
  let picture: PictureSent | undefined;
  if (step.picture) {
    const bytes = await ports.readImage(step.picture.id);
    if (!bytes) {
      const reason = `The screenshot ${step.picture.name} is no longer kept, so it cannot follow the message`;
      await ports.closeRecord(record, 'failed', reason, ports.now());
      remember(context, { ...record, status: 'failed' });
      return done();
    }
    body = adapterOf(robot.channel).pictureBody({ id: step.picture.id, bytes });
    picture = { name: step.picture.name, md5: createHash('md5').update(bytes).digest('hex'), bytes: bytes.length };
  }
  const sent = picture ? undefined : { content: step.body, template: snapshot(template) };
  const slotAt = step.kind === 'wait-inline' ? step.slotAt : ports.now();
  const attempt = { recordId: job.recordId, attempt: step.attempt, ...sent };
  const { result, window } = await sendInSlot(context, { robot, webhook: step.webhook, slotAt, body, attempt });
  log.info('robot webhook answered', {
    ...logContext(job, step),
    attempt: step.attempt,
    ...(picture && { picture: picture.md5 }),
    ...answerFields(result),
  });
  // the pictures the group will have had if this went, and whether more follow
  const picturesSent = picture ? [...(record.picturesSent ?? []), picture] : [];
  const parts = step.pictures > 0 ? { picturesSent, more: picturesSent.length < step.pictures } : undefined;
  return settleAttempt(context, { carried: [{ job, record }], result, sentWith: { window, webhook: step.webhook }, parts, sent });
}
