// "Send test message": one push to one robot through the same path as a report event (the robot's message
// group, so its send window keeps a single writer), answered with its record once it is finished or after
// a bounded wait (then `queued`: the robot's rate limit or a retry holds it).
import { randomUUID } from 'node:crypto';
import type { TestRobotInput } from '../../schemas/robot';
import { sleep } from '../concurrency';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { recordsStore } from '../store/recordsStore';
import { isTerminal, newQueuedRecord, type PushRecord } from '../domain/pushRecord';
import { templatesStore } from '../store/templatesStore';
import { eventsStore } from '../store/eventsStore';
import { loadRobot } from '../robots/robotService';
import { toRecordDetail } from '../records/recordService';
import type { Caller } from '../domain/caller';

/** Within the robots function's 20 s timeout, with room for the reads before and after. */
const answerWithinMs = 12_000;

export async function sendTestMessage(caller: Caller, robotId: string, input: TestRobotInput) {
  const robot = await loadRobot(caller.workspaceId, robotId);
  const template = await templatesStore.getIn(caller.workspaceId, robot.templateId);
  const eventId = `test-${randomUUID()}`;
  const report = { eventId, reportId: 'test', reportName: 'Test message', data: input.data ?? {} };
  const record: PushRecord = newQueuedRecord({
    id: randomUUID(),
    workspaceId: caller.workspaceId,
    eventId,
    reportId: report.reportId,
    reportName: report.reportName,
    robotId,
    robotName: robot.name,
    channel: robot.channel,
    templateId: robot.templateId,
    templateName: template?.name ?? '',
  });
  await eventsStore.begin(caller.workspaceId, report);
  await recordsStore.putMany([record]);
  await enqueuePushJobs([
    {
      recordId: record.id,
      workspaceId: caller.workspaceId,
      robotId,
      robotName: robot.name,
      templateId: robot.templateId,
      queuedAt: record.createdAt,
      correlationId: eventId,
      report,
    },
  ]);
  const deadline = Date.now() + answerWithinMs;
  let current = record;
  for (let pause = 100; Date.now() < deadline; pause = Math.min(500, pause * 1.5)) {
    await sleep(Math.min(pause, deadline - Date.now()));
    current = (await recordsStore.get(record.id)) ?? current;
    if (isTerminal(current.status)) break;
  }
  return toRecordDetail(current);
}
