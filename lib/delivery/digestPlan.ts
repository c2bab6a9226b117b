// When a robot's waiting pushes are merged into one message. Pure. The queue hands a batch up to 10 of a
// robot's jobs, in order, and to no one else: the batch's run of pushes ready to send is what "waiting"
// means here, and only the holder of the robot's message group ever merges them, so nothing overtakes.
import type { PushJob } from '../../schemas/pushJob';
import type { RenderedMessage } from '../channels/message';
import type { DeliveryInputs } from '../store/deliveryInputs';
import type { PushRecord } from '../domain/pushRecord';
import type { Robot } from '../domain/robot';
import type { Template } from '../domain/template';
import { decidePushStep, type DeliveryRules } from './decidePushStep';
import { emptyWindow, freeSlots } from './sendWindow';

/** Merge past this many waiting when the robot says nothing. */
export const defaultDigestAfter = 5;

export interface DigestPlan {
  robot: Robot;
  template: Template;
  /** In queue order: each push rendered as it would go alone. */
  members: { job: PushJob; record?: PushRecord; message: RenderedMessage }[];
}

/**
 * The digest to send for `jobs` (one robot's, in order, from the batch's next one), or undefined when the
 * next job goes alone. Merged: the run of jobs at the front that are ready to send (rendered, allowed, only
 * waiting for a slot), when it is 2 or more and longer than the robot's `after`, longer than the free
 * slots of its webhooks right now, or its first has waited more than half a window (the robot is behind:
 * a storm or an outage left a backlog larger than the batch shows), and always when quiet hours held them.
 */
export function digestPlan(
  jobs: PushJob[],
  inputs: DeliveryInputs,
  now: number,
  sendBy: number,
  rules: DeliveryRules,
  releasing = false,
): DigestPlan | undefined {
  const robot = inputs.robots.get(jobs[0].robotId);
  if (!robot?.digest?.enabled) return undefined;
  const template = inputs.templates.get(robot.templateId);
  const window = inputs.windows.get(robot.id) ?? emptyWindow;
  const members: DigestPlan['members'] = [];
  for (const job of jobs) {
    const record = inputs.records.get(job.recordId);
    const step = decidePushStep({ job, record, robot, template, window, now, sendBy, releasing }, rules);
    // a push whose pictures are following is not merged: they go, one a slot, before anything behind them
    if ((step.kind !== 'send' && step.kind !== 'wait-inline' && step.kind !== 'wait-for-slot') || step.picture) break;
    members.push({ job, record, message: step.message });
  }
  if (!template || members.length < 2) return undefined;
  const first = members[0];
  const waitedMs = now - Date.parse(first.record?.createdAt ?? first.job.queuedAt ?? new Date(now).toISOString());
  // pushes held for quiet hours go out merged, as the hours' summary
  const behind =
    releasing ||
    members.length > (robot.digest.after ?? defaultDigestAfter) ||
    members.length > freeSlots(window, robot, now, rules.channels[robot.channel].limit) ||
    waitedMs > rules.channels[robot.channel].limit.windowMs / 2;
  return behind ? { robot, template, members } : undefined;
}
