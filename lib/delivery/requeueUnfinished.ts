// Recovery: jobs for records still queued or sending, untouched for a while, go back on the queue. A
// scheduled sweeper does this in AWS (a message gone from the queue, e.g. a resend whose enqueue failed
// after its record was written); `npm start` does it at start (the local SQS keeps messages in memory only) and
// every minute. Duplicates are harmless: the worker's conditional writes send each record once.
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { eventsStore } from '../store/eventsStore';
import { recordsStore } from '../store/recordsStore';

export async function requeueUnfinishedRecords(untouchedForMs = 0): Promise<number> {
  const cutoff = new Date(Date.now() - untouchedForMs).toISOString();
  // an event's records share its report: read it once
  const reports = new Map<string, ReturnType<typeof eventsStore.report>>();
  const reportOf = (eventId: string) => reports.get(eventId) ?? reports.set(eventId, eventsStore.report(eventId)).get(eventId)!;
  let count = 0;
  for (const status of ['queued', 'sending'] as const) {
    let cursor: string | undefined;
    do {
      const page = await recordsStore.list({ status, to: cutoff }, { limit: 100, cursor });
      const jobs = [];
      for (const record of page.items.filter((item) => item.updatedAt <= cutoff)) {
        const report = await reportOf(record.eventId);
        if (report) jobs.push({ job: { recordId: record.id, robotId: record.robotId, robotName: record.robotName, templateId: record.templateId, queuedAt: record.createdAt, correlationId: record.eventId, recordExists: true, report } });
      }
      await enqueuePushJobs(jobs);
      count += jobs.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return count;
}
