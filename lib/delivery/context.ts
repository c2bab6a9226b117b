// What every step of a batch shares: what it read, the ports, the rules and its deadline; and the small
// facts each step builds the same way (a job's first record, a template's snapshot, an attempt's log entry).
import { workspaceOfJob } from '../domain/workspace';
import type { PushJob } from '../../schemas/pushJob';
import { newQueuedRecord, type AttemptLogEntry, type PushRecord, type TemplateSnapshot } from '../domain/pushRecord';
import type { Robot } from '../domain/robot';
import type { SendWindowState } from '../domain/sendWindow';
import type { Template } from '../domain/template';
import { redactSecrets } from '../redact';
import { robotWebhooks } from '../robots/webhookUrl';
import type { DeliveryInputs } from '../store/deliveryInputs';
import type { DeliveryRules } from './decidePushStep';
import type { DeliveryPorts } from './ports';
import { emptyWindow } from './sendWindow';
import type { DeliveryAttempt } from './webhookClient';

export interface DeliveryContext {
  /** What the batch read, kept current as it writes: its later jobs for a robot see what earlier ones did. */
  inputs: DeliveryInputs;
  ports: DeliveryPorts;
  rules: DeliveryRules;
  /** A send must start by then for the batch to end within the invocation (and the messages' visibility). */
  sendBy: number;
}

/** What became of the group's next jobs: done (how many), its pictures follow (the same job again), or they come back. */
export type Delivered = { kind: 'done'; jobs: number } | { kind: 'pictures-follow' } | { kind: 'come-back'; at: number };

export const done = (jobs = 1): Delivered => ({ kind: 'done', jobs });
export const comeBack = (at: number): Delivered => ({ kind: 'come-back', at });

export function windowOf(context: DeliveryContext, robotId: string): SendWindowState {
  return context.inputs.windows.get(robotId) ?? emptyWindow;
}

/** Stores the robot's window, and keeps it as the batch's later jobs for the robot see it. */
export async function keepWindow(context: DeliveryContext, robotId: string, window: SendWindowState): Promise<void> {
  await context.ports.putWindow(robotId, window);
  context.inputs.windows.set(robotId, window);
}

export function remember(context: DeliveryContext, ...records: PushRecord[]): void {
  for (const record of records) context.inputs.records.set(record.id, record);
}

/** The record a job writes if it is the first to: named after the robot and template it is sent with. */
export function recordOf(job: PushJob, now: number, robot?: Robot, template?: Template): PushRecord {
  return newQueuedRecord(
    {
      id: job.recordId,
      workspaceId: workspaceOfJob(job),
      eventId: job.report.eventId,
      reportId: job.report.reportId,
      reportName: job.report.reportName,
      robotId: job.robotId,
      robotName: robot?.name ?? job.robotName ?? '',
      ...(robot && { channel: robot.channel }),
      ...(robot?.app && { app: robot.app }),
      templateId: robot?.templateId ?? job.templateId ?? '',
      templateName: template?.name ?? '',
    },
    new Date(job.queuedAt ?? now),
  );
}

/** A digest's record as first written (queued); its event id names its first member, as no event is its own. */
export function digestRecordOf(
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
      workspaceId: robot.workspaceId,
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

/** The job's record as the batch knows it, or the one it would first write. */
export function currentRecord(context: DeliveryContext, job: PushJob, robot?: Robot, template?: Template): PushRecord {
  return context.inputs.records.get(job.recordId) ?? recordOf(job, context.ports.now(), robot, template);
}

export function snapshot(template: Template): TemplateSnapshot {
  const { robotCount: _count, createdAt: _created, updatedAt: _updated, ...source } = template;
  return source;
}

/** Which webhook sent an attempt, as a record shows it: masked, numbered when the robot has a pool. */
export function webhookShown(robot: Robot, key: string): string | undefined {
  const webhooks = robotWebhooks(robot);
  const index = webhooks.findIndex((webhook) => webhook.key === key);
  const masked = webhooks[index]?.webhookUrlMasked;
  if (!masked) return undefined;
  return webhooks.length > 1 ? `#${index + 1} ${masked}` : masked;
}

export function logEntry(result: DeliveryAttempt, now: number): AttemptLogEntry {
  return {
    at: new Date(now).toISOString(),
    result: result.result,
    ...(result.httpStatus !== undefined && { httpStatus: result.httpStatus }),
    ...(result.errcode !== undefined && { errcode: result.errcode }),
    errmsg: redactSecrets(result.errmsg),
    durationMs: result.durationMs,
  };
}

export const answerFields = (result: DeliveryAttempt) => ({
  result: result.result,
  outcome: result.outcome,
  errcode: result.errcode,
  httpStatus: result.httpStatus,
  durationMs: result.durationMs,
});

export const parkedJob = (job: PushJob) => ({ body: JSON.stringify(job), groupId: job.robotId, deduplicationId: job.recordId });
