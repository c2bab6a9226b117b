// "Send test message": one push to one robot now, through the same path as a report event, answered with its record.
import { randomUUID } from 'node:crypto';
import type { TestRobotInput } from '../../schemas/robot';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { newQueuedRecord, recordsStore, type PushRecord } from '../store/recordsStore';
import { templatesStore } from '../store/templatesStore';
import { eventsStore } from '../store/eventsStore';
import { loadRobot } from '../robots/robotService';
import { deliverPushJob, jobToComeBack } from './deliverPushJob';
import { toRecordDetail } from '../records/recordService';

export async function sendTestMessage(robotId: string, input: TestRobotInput) {
  const robot = await loadRobot(robotId);
  const template = await templatesStore.get(robot.templateId);
  const eventId = `test-${randomUUID()}`;
  const report = { eventId, reportId: 'test', reportName: 'Test message', data: (input.data ?? {}) as Record<string, unknown> };
  const record: PushRecord = newQueuedRecord({
    id: randomUUID(),
    eventId,
    reportId: report.reportId,
    reportName: report.reportName,
    robotId,
    robotName: robot.name,
    templateId: robot.templateId,
    templateName: template?.name ?? '',
  });
  await eventsStore.begin(report);
  await recordsStore.putMany([record]);
  const job = { recordId: record.id, robotId, correlationId: eventId, recordExists: true, report };
  const outcome = await deliverPushJob(job);
  // Over the rate limit or a retryable failure: the queue finishes the job; the record says so.
  if (outcome.kind === 'later') await enqueuePushJobs([{ job: jobToComeBack(job, outcome), delaySeconds: outcome.delaySeconds }]);
  return toRecordDetail((await recordsStore.get(record.id)) as PushRecord);
}
