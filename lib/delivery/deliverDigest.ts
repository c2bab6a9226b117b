// Sends the first digest of a run of waiting pushes (as many as fit in one message) in one slot: one
// attempt, one body, recorded on each member and on the digest's own record.
import { randomUUID } from 'node:crypto';
import { adapterOf } from '../channels';
import type { PushRecord } from '../domain/pushRecord';
import { log } from '../log';
import { renderDigest } from '../render/digest';
import {
  answerFields,
  comeBack,
  currentRecord,
  digestRecordOf,
  remember,
  snapshot,
  windowOf,
  type DeliveryContext,
  type Delivered,
} from './context';
import { slotStep } from './decidePushStep';
import type { DigestPlan } from './digestPlan';
import { sendInSlot } from './sendInSlot';
import { settleAttempt } from './settleAttempt';

export async function deliverDigest(context: DeliveryContext, plan: DigestPlan): Promise<Delivered> {
  const { ports } = context;
  const { robot, template } = plan;
  const now = ports.now();
  const rendered = renderDigest(
    plan.members.map(({ job, message }) => ({ message, reportName: job.report.reportName })),
    template.digest,
    robot,
    robot.channel,
  );
  const members = plan.members.slice(0, rendered.count);
  const slot = slotStep(windowOf(context, robot.id), robot, now, context.sendBy, context.rules);
  if (slot.kind === 'wait-for-slot') {
    // the members wait on the queue, each with its record showing it queued
    const unrecorded = members
      .filter(({ job }) => !context.inputs.records.has(job.recordId))
      .map(({ job }) => currentRecord(context, job, robot, template));
    await Promise.all(unrecorded.map((record) => ports.ensureQueued(record)));
    remember(context, ...unrecorded);
    ports.metric('PushThrottled', members.length);
    return comeBack(slot.at);
  }
  const title = rendered.message.msgtype === 'markdown' ? rendered.message.markdown.title : 'digest';
  const body = adapterOf(robot.channel).toBody(rendered.message);
  const digest: PushRecord = {
    ...digestRecordOf(`digest-${randomUUID()}`, members[0].job.recordId, robot, template, title, now),
    members: members.map(({ job }) => job.recordId),
  };
  const sent = { content: body, template: snapshot(template) };
  const attempt = { recordId: digest.id, attempt: 1, members: digest.members, ...sent };
  const slotAt = slot.kind === 'wait-inline' ? slot.slotAt : now;
  const { result, window } = await sendInSlot(context, { robot, webhook: slot.webhook, slotAt, body, attempt });
  log.info('robot webhook answered a digest', { robotId: robot.id, digestId: digest.id, members: members.length, ...answerFields(result) });
  ports.metric('DigestSent', 1);
  const carried = members.map(({ job }) => ({ job, record: currentRecord(context, job, robot, template) }));
  return settleAttempt(context, { carried, result, sentWith: { window, webhook: slot.webhook }, digest, sent });
}
