// Intake: a report-ready event fans out into one queued push record and one push job per enabled,
// subscribed robot. Idempotent on eventId; an intake that died half-way is resumed by the next attempt.
import { createHash } from 'node:crypto';
import type { ReportReadyEvent } from '../../schemas/event';
import type { PushJob } from '../../schemas/pushJob';
import { forEachConcurrently } from '../concurrency';
import { conflict, validationFailed } from '../errors';
import { log } from '../log';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { eventsStore, type StoredReport } from '../store/eventsStore';
import { newQueuedRecord, recordsStore, type PushRecord } from '../store/recordsStore';
import { robotsStore, type Subscriber } from '../store/robotsStore';
import { templatesStore } from '../store/templatesStore';

export interface IntakeResult {
  eventId: string;
  jobs: number;
  duplicate: boolean;
}

/** A fan-out not finished after this long has crashed: it outlived the intake function's timeout (28 s). */
const fanOutStaleAfterMs = 35_000;
const chunkSize = 100;
const chunksInFlight = 4;

/** Same event + robot → same record id, so a resumed fan-out finds what the first one wrote. */
export function pushRecordId(eventId: string, robotId: string): string {
  return createHash('sha256').update(`${eventId}\n${robotId}`).digest('base64url').slice(0, 22);
}

export async function publishReportReady(event: ReportReadyEvent): Promise<IntakeResult> {
  const explicitRobots = event.robotIds ? await explicitSubscribers(event.robotIds) : undefined;
  const { robotIds: _robotIds, ...report } = event;
  const seen = await eventsStore.begin(report);
  if (seen) {
    if (seen.status === 'queued') return { eventId: event.eventId, jobs: seen.jobs ?? 0, duplicate: true };
    // Still fanning out: either another request is at it, or it crashed. Never answer "done" before the
    // jobs are queued: the publisher retries until the fan-out completes or is taken over here.
    if (!(await eventsStore.takeOver(seen, fanOutStaleAfterMs))) {
      throw conflict(`Event ${event.eventId} is still being queued; retry in ${Math.ceil(fanOutStaleAfterMs / 1000)} seconds`);
    }
    log.warn('resuming an interrupted fan-out', { eventId: event.eventId });
  }
  const jobs = await fanOut(report, explicitRobots ?? robotsStore.subscribersOf(event.reportId), Boolean(seen));
  await eventsStore.complete(event.eventId, jobs);
  log.info('report event queued', { eventId: event.eventId, reportId: event.reportId, jobs, correlationId: event.eventId });
  return { eventId: event.eventId, jobs, duplicate: Boolean(seen) };
}

async function explicitSubscribers(robotIds: string[]): Promise<AsyncIterable<Subscriber[]>> {
  const robots = await robotsStore.getMany(robotIds);
  const unknown = robotIds.filter((id) => !robots.has(id));
  if (unknown.length > 0) {
    throw validationFailed(`Unknown robot id(s): ${unknown.slice(0, 20).join(', ')}`, unknown.slice(0, 20).map((id) => ({ path: `/robotIds/${robotIds.indexOf(id)}`, message: 'does not name an existing robot' })));
  }
  const enabled = [...robots.values()].filter((robot) => robot.enabled).map((robot) => ({ robotId: robot.id, robotName: robot.name, templateId: robot.templateId }));
  return (async function* () {
    yield enabled;
  })();
}

async function fanOut(report: StoredReport, subscriberPages: AsyncIterable<Subscriber[]>, resuming: boolean): Promise<number> {
  const event = report;
  const seenRobots = new Set<string>();
  const templateNames = new Map<string, string>();
  let jobs = 0;
  for await (const page of subscriberPages) {
    const subscribers = page.filter((s) => !seenRobots.has(s.robotId) && seenRobots.add(s.robotId));
    const missingTemplates = [...new Set(subscribers.map((s) => s.templateId))].filter((id) => !templateNames.has(id));
    for (const [id, template] of await templatesStore.getMany(missingTemplates)) templateNames.set(id, template.name);
    const chunks: Subscriber[][] = [];
    for (let start = 0; start < subscribers.length; start += chunkSize) chunks.push(subscribers.slice(start, start + chunkSize));
    await forEachConcurrently(chunks, chunksInFlight, async (chunk) => {
      const now = new Date();
      let records: PushRecord[] = chunk.map((s) =>
        newQueuedRecord(
          {
            id: pushRecordId(event.eventId, s.robotId),
            eventId: event.eventId,
            reportId: event.reportId,
            reportName: event.reportName,
            robotId: s.robotId,
            robotName: s.robotName,
            templateId: s.templateId,
            templateName: templateNames.get(s.templateId) ?? '',
          },
          now,
        ),
      );
      let toEnqueue = records;
      if (resuming) {
        // keep what the interrupted run wrote; re-send jobs still queued (a duplicate job is harmless)
        const existing = await recordsStore.getMany(records.map((r) => r.id));
        toEnqueue = records.map((r) => existing.get(r.id) ?? r).filter((r) => r.status === 'queued');
        records = records.filter((r) => !existing.has(r.id));
      }
      await recordsStore.putMany(records);
      await enqueuePushJobs(toEnqueue.map((r) => ({ job: { recordId: r.id, robotId: r.robotId, correlationId: event.eventId, report } satisfies PushJob })));
      jobs += chunk.length;
    });
  }
  return jobs;
}
