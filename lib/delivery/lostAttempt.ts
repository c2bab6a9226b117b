// A worker stopped after starting an attempt and before recording it: the robot's window says the attempt
// started, and its record never counted it. Nobody knows whether the group shows it, so it ends uncertain,
// with the body the window kept for it.
import type { PushJob } from '../../schemas/pushJob';
import type { PushRecord } from '../domain/pushRecord';
import type { Robot } from '../domain/robot';
import { currentRecord, digestRecordOf, done, windowOf, type DeliveryContext, type Delivered } from './context';
import type { PushStep } from './decidePushStep';
import { settleAttempt } from './settleAttempt';
import type { DeliveryAttempt } from './webhookClient';

export async function closeLostAttempt(
  context: DeliveryContext,
  job: PushJob,
  following: PushJob[],
  step: Extract<PushStep, { kind: 'attempt-lost' }>,
): Promise<Delivered> {
  const { inputs } = context;
  const robot = inputs.robots.get(job.robotId);
  const template = robot && inputs.templates.get(robot.templateId);
  const { inFlight } = windowOf(context, job.robotId);
  const sent = inFlight?.content && { content: inFlight.content, ...(inFlight.template && { template: inFlight.template }) };
  // a lost digest's members shared its one attempt: they end it together (those in this batch)
  const sameDigest = (next: PushJob) =>
    Boolean(step.digestId) &&
    Boolean(inFlight?.members?.includes(next.recordId)) &&
    inputs.records.get(next.recordId)?.digestId !== step.digestId;
  const carried = [job, ...following.filter(sameDigest)].map((lostJob) => ({
    job: lostJob,
    record: { ...currentRecord(context, lostJob, robot, template), ...(step.digestId && { digestId: step.digestId }) },
  }));
  const lost: DeliveryAttempt = {
    result: 'uncertain',
    outcome: 'uncertain',
    errmsg: step.digestId
      ? `The worker stopped after sending digest ${step.digestId} and before it recorded the answer: the group may show it`
      : 'The worker stopped after sending and before it recorded the answer: the group may show it',
    durationMs: 0,
  };
  if (step.digestId && robot) await closeLostDigest(context, step.digestId, job, robot, sent);
  const settled = await settleAttempt(context, { carried, result: lost, ...(!step.digestId && sent && { sent }) });
  // the other members it ended need not stand behind it in the group: each takes its own turn, and finds its
  // record ended or retrying
  return settled.kind === 'done' ? done() : settled;
}

/** The lost digest's own record ends failed, saying the group may show it, with the body it sent. */
async function closeLostDigest(
  context: DeliveryContext,
  digestId: string,
  job: PushJob,
  robot: Robot,
  sent: Pick<PushRecord, 'content' | 'template'> | undefined,
): Promise<void> {
  const { ports } = context;
  const stub = digestRecordOf(digestId, job.recordId, robot, { id: robot.templateId, name: '' }, 'digest', ports.now());
  const reason =
    'The worker stopped after sending this digest and before it recorded the answer: the group may show it; its pushes went on';
  await ports.closeRecord({ ...stub, uncertain: 1, ...sent }, 'failed', reason, ports.now());
}
