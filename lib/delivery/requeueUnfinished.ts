// Recovery: jobs for records still queued, untouched for a while, go back on the queue (a
// message gone from the queue, e.g. a resend whose enqueue failed after its record was written). A
// scheduled sweeper does this in AWS, and `npm start` every minute. Duplicates are harmless: they land in
// the robot's message group behind the original, which finds the record finished and sends nothing.
import type { PushJob } from '../../schemas/pushJob';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { eventsStore } from '../store/eventsStore';
import { recordsStore } from '../store/recordsStore';
import { workspacesStore } from '../store/workspacesStore';

export async function requeueUnfinishedRecords(untouchedForMs = 0): Promise<number> {
  let count = 0;
  for (const workspaceId of await workspacesStore.allIds()) count += await requeueUnfinishedIn(workspaceId, untouchedForMs);
  return count;
}

async function requeueUnfinishedIn(workspaceId: string, untouchedForMs: number): Promise<number> {
  const cutoff = new Date(Date.now() - untouchedForMs).toISOString();
  const reportOf = eventsStore.reportsReadOnce(workspaceId);
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await recordsStore.list({ workspaceId, status: 'queued', to: cutoff }, { limit: 100, cursor });
    const jobs: PushJob[] = [];
    const untouchedSince = new Map<string, string>();
    for (const record of page.items.filter((item) => item.updatedAt <= cutoff)) {
      const report = await reportOf(record.eventId);
      if (!report) continue;
      jobs.push({
        recordId: record.id,
        workspaceId,
        robotId: record.robotId,
        robotName: record.robotName,
        templateId: record.templateId,
        queuedAt: record.createdAt,
        correlationId: record.eventId,
        report,
      });
      untouchedSince.set(record.id, record.updatedAt);
    }
    // a second message for the record (its first may be within the queue's deduplication window),
    // deduplicated per sweep of the same untouched record
    await enqueuePushJobs(jobs, (job) => `${job.recordId}~${untouchedSince.get(job.recordId)}`);
    count += jobs.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

/** Robots whose quiet hours ended with pushes held: a release each, in its message group (a minute's repeats are dropped by the queue). */
export async function releaseHeldPushes(now = Date.now()): Promise<number> {
  let count = 0;
  for (const workspaceId of await workspacesStore.allIds()) {
    const robotIds = await recordsStore.robotsWithHeldDue(workspaceId, now);
    await enqueuePushJobs(robotIds.map((robotId) => ({ kind: 'release' as const, workspaceId, robotId })));
    count += robotIds.length;
  }
  return count;
}
