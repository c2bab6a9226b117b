// Intake: a report-ready event fans out into one push job per enabled, subscribed robot (the worker
// creates each push record). Idempotent on eventId; an intake that died half-way is resumed by the next attempt.
import { createHash } from 'node:crypto';
import type { ReportReadyEvent } from '../../schemas/event';
import type { FanOutJob, PushJob } from '../../schemas/pushJob';
import { canonicalJson } from '../canonicalJson';
import { config } from '../config';
import { forEachConcurrently } from '../concurrency';
import { conflict, eventIdReused, payloadTooLarge, validationFailed } from '../errors';
import { log } from '../log';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { acceptImages } from '../images/screenshots';
import { eventsStore, type StoredReport } from '../store/eventsStore';
import { imagesStore } from '../store/imagesStore';
import { robotsStore, type Subscriber, type SubscriberPosition } from '../store/robotsStore';
import { workspaceOfJob } from '../domain/workspace';

export interface IntakeResult {
  eventId: string;
  jobs: number;
  duplicate: boolean;
}

/** A fan-out not finished after this long has crashed: it outlived the intake function's timeout (28 s). */
const fanOutStaleAfterMs = 35_000;
const chunkSize = 100;
const chunksInFlight = 4;
/** Subscribers queued by the intake itself; a report with more hands the rest to the workers, a page per job. */
const intakePageSize = config.fanOutIntakePage;
const workerPageSize = config.fanOutWorkerPage;

/** Same event + robot → same record id: a job queued twice (a resumed or repeated fan-out) is dropped by the queue's deduplication or meets the finished record. */
export function pushRecordId(eventId: string, robotId: string): string {
  return createHash('sha256').update(`${eventId}\n${robotId}`).digest('base64url').slice(0, 22);
}

/** `origin`: where the event was posted, the default origin of the image URLs pushed (PUBLIC_BASE_URL wins). */
export async function publishReportReady(workspaceId: string, event: ReportReadyEvent, origin?: string): Promise<IntakeResult> {
  const explicitRobots = event.robotIds ? await explicitSubscribers(workspaceId, event.robotIds) : undefined;
  const { robotIds: _robotIds, images: imageInputs = [], ...fields } = event;
  // the body may be megabytes for its images; the rest is stored with the event and must stay small
  const eventBytes = Buffer.byteLength(JSON.stringify(fields));
  if (eventBytes > config.maxRequestBytes)
    throw payloadTooLarge(`The event without its images is ${eventBytes} bytes; the limit is ${config.maxRequestBytes}`);
  const publicBaseUrl = config.publicBaseUrl ?? origin ?? '';
  // every image is checked before anything is written: a refused event leaves nothing behind
  let accepted = acceptImages(imageInputs, publicBaseUrl);
  let report: StoredReport = { ...fields, ...(accepted.images.length > 0 && { images: accepted.images }) };
  const payloadHash = hashOfPayload(event);
  const seen = await eventsStore.begin(workspaceId, report, payloadHash);
  // the same eventId for another report is a publisher's bug: refuse it rather than drop the report
  if (seen && (seen.payloadHash ? seen.payloadHash !== payloadHash : canonicalJson(seen.report) !== canonicalJson(report)))
    throw eventIdReused(event.eventId);
  if (seen) {
    if (seen.status === 'queued') return { eventId: event.eventId, jobs: seen.jobs ?? 0, duplicate: true };
    // Still fanning out: either another request is at it, or it crashed. Never answer "done" before the
    // jobs are queued: the publisher retries until the fan-out completes or is taken over here.
    if (!(await eventsStore.takeOver(seen, fanOutStaleAfterMs))) {
      throw conflict(`Event ${event.eventId} is still being queued; retry in ${Math.ceil(fanOutStaleAfterMs / 1000)} seconds`);
    }
    log.warn('resuming an interrupted fan-out', { eventId: event.eventId });
    // jobs already queued carry the first attempt's image URLs: store the images under those ids
    report = seen.report;
    accepted = acceptImages(
      imageInputs,
      publicBaseUrl,
      (seen.report.images ?? []).map((image) => image.id),
    );
  }
  await imagesStore.putAll(accepted.uploads);
  const jobs = explicitRobots ? await fanOutPage(workspaceId, report, explicitRobots) : await fanOutToSubscribers(workspaceId, report);
  await eventsStore.complete(workspaceId, event.eventId, jobs);
  log.info('report event queued', {
    workspaceId,
    eventId: event.eventId,
    reportId: event.reportId,
    jobs,
    images: accepted.uploads.length,
    correlationId: event.eventId,
  });
  return { eventId: event.eventId, jobs, duplicate: Boolean(seen) };
}

/** The event as published, robotIds included, so a reused eventId is told apart from a retry. */
export const hashOfPayload = (event: ReportReadyEvent) => createHash('sha256').update(canonicalJson(event)).digest('base64url');

async function explicitSubscribers(workspaceId: string, robotIds: string[]): Promise<Subscriber[]> {
  const robots = await robotsStore.getMany(workspaceId, robotIds);
  const unknown = robotIds.filter((id) => !robots.has(id));
  if (unknown.length > 0) {
    throw validationFailed(
      `Unknown robot id(s): ${unknown.slice(0, 20).join(', ')}`,
      unknown.slice(0, 20).map((id) => ({ path: `/robotIds/${robotIds.indexOf(id)}`, message: 'does not name an existing robot' })),
    );
  }
  return [...robots.values()]
    .filter((robot) => robot.enabled)
    .map((robot) => ({ robotId: robot.id, robotName: robot.name, templateId: robot.templateId }));
}

/**
 * A report with more subscribers than one page: the first page is queued here and the rest by the
 * workers, a page per job (each hands the next page on before queuing its own), so the publisher's 202
 * does not wait for thousands of jobs. `jobs` is the count of subscribers.
 */
async function fanOutToSubscribers(workspaceId: string, report: StoredReport): Promise<number> {
  const first = await robotsStore.subscribersPage(workspaceId, report.reportId, undefined, intakePageSize);
  if (!first.next) return fanOutPage(workspaceId, report, first.subscribers);
  const [total, queued] = await Promise.all([
    robotsStore.countSubscribers(workspaceId, report.reportId),
    fanOutPage(workspaceId, report, first.subscribers),
  ]);
  // a page that ended exactly at the last subscriber still has a next position: the count says there is no more
  if (total > queued) await enqueuePushJobs([{ kind: 'fanOut', workspaceId, report, from: first.next } satisfies FanOutJob]);
  return Math.max(total, queued);
}

/** The worker's part of a large fan-out: one page of subscribers. */
export async function continueFanOut(job: FanOutJob): Promise<number> {
  const workspaceId = workspaceOfJob(job);
  const page = await robotsStore.subscribersPage(workspaceId, job.report.reportId, job.from as SubscriberPosition, workerPageSize);
  if (page.next) await enqueuePushJobs([{ kind: 'fanOut', workspaceId, report: job.report, from: page.next } satisfies FanOutJob]);
  return fanOutPage(workspaceId, job.report as StoredReport, page.subscribers);
}

/**
 * Push jobs for one page of subscribers. The worker writes each record, so the intake writes nothing per
 * push. A page queued twice (a resumed or repeated fan-out) is harmless: the queue drops a job whose record
 * id it saw in the last five minutes, and the worker sends nothing for a record that is finished.
 */
async function fanOutPage(workspaceId: string, report: StoredReport, page: Subscriber[]): Promise<number> {
  const seenRobots = new Set<string>();
  const subscribers = page.filter((s) => !seenRobots.has(s.robotId) && seenRobots.add(s.robotId));
  const queuedAt = new Date().toISOString();
  const chunks: Subscriber[][] = [];
  for (let start = 0; start < subscribers.length; start += chunkSize) chunks.push(subscribers.slice(start, start + chunkSize));
  await forEachConcurrently(chunks, chunksInFlight, async (chunk) => {
    await enqueuePushJobs(
      chunk.map(
        (s) =>
          ({
            recordId: pushRecordId(report.eventId, s.robotId),
            workspaceId,
            robotId: s.robotId,
            robotName: s.robotName,
            templateId: s.templateId,
            queuedAt,
            correlationId: report.eventId,
            report,
          }) satisfies PushJob,
      ),
    );
  });
  return subscribers.length;
}
