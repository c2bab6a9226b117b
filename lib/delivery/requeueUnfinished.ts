// Recovery: jobs for records that are still queued or sending go back on the queue. Used when the queue
// lost its messages (the local emulator restarted) and as an operator's tool after an incident.
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { eventsStore } from '../store/eventsStore';
import { recordsStore } from '../store/recordsStore';

export async function requeueUnfinishedRecords(): Promise<number> {
  let count = 0;
  for (const status of ['queued', 'sending'] as const) {
    let cursor: string | undefined;
    do {
      const page = await recordsStore.list({ status }, { limit: 100, cursor });
      const jobs = [];
      for (const record of page.items) {
        const report = await eventsStore.report(record.eventId);
        if (report) jobs.push({ job: { recordId: record.id, robotId: record.robotId, correlationId: record.eventId, report } });
      }
      await enqueuePushJobs(jobs);
      count += jobs.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return count;
}
