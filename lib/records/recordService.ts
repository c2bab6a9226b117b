// Push record use cases: list with filters, open one with its content, resend.
import { randomUUID } from 'node:crypto';
import type { PushJob } from '../../schemas/pushJob';
import type { BulkResendInput, ListPushRecordsQuery } from '../../schemas/pushRecord';
import { badRequest, conflict, notFound } from '../errors';
import { eventsStore } from '../store/eventsStore';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { recordsStore } from '../store/recordsStore';
import { newQueuedRecord, type PushRecord } from '../domain/pushRecord';
import { loadRobot } from '../robots/robotService';
import { robotsStore } from '../store/robotsStore';
import type { Robot } from '../domain/robot';
import { templatesStore } from '../store/templatesStore';

/** The list view: everything but the content and the internals. */
export function toRecordSummary(record: PushRecord) {
  const {
    content: _content,
    contentBytes: _bytes,
    template: _template,
    response: _response,
    attemptLog: _log,
    attemptsOmitted: _omitted,
    expiresAt: _expires,
    ...summary
  } = record;
  return summary;
}

export function toRecordDetail(record: PushRecord) {
  const { expiresAt: _expires, ...detail } = record;
  return {
    ...detail,
    content: record.content ?? null,
    contentBytes: record.contentBytes ?? null,
    template: record.template ?? null,
    response: record.response ?? null,
  };
}

function normalizeTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw badRequest(`${name} is not a valid time`, [{ path: `/${name}`, message: 'must be an ISO 8601 date-time' }]);
  return time.toISOString();
}

export async function listPushRecords(query: ListPushRecordsQuery) {
  const from = normalizeTime(query.from, 'from');
  const to = normalizeTime(query.to, 'to');
  if (from && to && from > to) {
    throw badRequest('from is after to; swap them or widen the range', [{ path: '/from', message: 'must not be after to' }]);
  }
  const page = await recordsStore.list(
    {
      keyword: query.keyword?.trim() || undefined,
      robotId: query.robotId,
      templateId: query.templateId,
      status: query.status,
      channel: query.channel,
      eventId: query.eventId,
      from,
      to,
    },
    { limit: query.limit ?? 20, cursor: query.cursor },
  );
  return { items: page.items.map(toRecordSummary), nextCursor: page.nextCursor };
}

export async function getPushRecord(id: string) {
  const record = await recordsStore.get(id);
  if (!record || record.expiresAt * 1000 <= Date.now()) throw notFound(`No push record with id ${id}`);
  return toRecordDetail(record);
}

/** A new record and job for the same robot and report, linked to the original; the normal pipeline does the rest. */
export async function resendPushRecord(id: string) {
  const original = await recordsStore.get(id);
  if (!original) throw notFound(`No push record with id ${id}`);
  if (original.members) throw digestRefusal(original);
  const [resent] = await resendRecords([original], 'always');
  if (!resent) throw conflict('The report data of this push is no longer kept (past retention); it cannot be resent');
  return { id: resent.id, resendOf: original.id, status: 'queued' as const };
}

/** Bulk recovery: at most this many records per call, the rest through the cursor. */
const bulkResendPage = 100;

/**
 * Resends the failed or unconfirmed records a filter matches that were not resent already, a page per
 * call. Each page goes to the queue oldest first, so a robot's resends keep the order of its originals.
 */
export async function resendPushRecords(input: BulkResendInput) {
  const from = normalizeTime(input.from, 'from');
  const to = normalizeTime(input.to, 'to');
  if (from && to && from > to)
    throw badRequest('from is after to; swap them or widen the range', [{ path: '/from', message: 'must not be after to' }]);
  const page = await recordsStore.list(
    { status: input.status, robotId: input.robotId, templateId: input.templateId, from, to },
    { limit: bulkResendPage, cursor: input.cursor },
  );
  // a digest's failed record is not resent: its pushes went on without it, each with its own record
  const resent = await resendRecords(page.items.filter((record) => !record.resentAs && !record.members).reverse(), 'once');
  return { resent, nextCursor: page.nextCursor };
}

/**
 * One new record and job per original whose report is still kept, queued in the given order through each
 * robot's message group like any push (so its send window keeps a single writer). The new records are
 * written first: if queueing fails, the sweeper queues them again. `once`: an original that another call
 * resent meanwhile keeps that resend, and the record written for it here is closed as skipped.
 */
async function resendRecords(originals: PushRecord[], mode: 'always' | 'once'): Promise<{ id: string; resendOf: string }[]> {
  const robots = new Map<string, Robot>();
  const templateNames = new Map<string, string | undefined>();
  const reportOf = eventsStore.reportsReadOnce();
  const prepared: { record: PushRecord; job: PushJob }[] = [];
  for (const original of originals) {
    const report = await reportOf(original.eventId);
    if (!report) continue;
    // a bulk call leaves out the records of a robot deleted since; asked for one such record, it is a 404
    const robot =
      robots.get(original.robotId) ?? (mode === 'always' ? await loadRobot(original.robotId) : await robotsStore.get(original.robotId));
    if (!robot) continue;
    robots.set(robot.id, robot);
    if (!templateNames.has(robot.templateId)) templateNames.set(robot.templateId, (await templatesStore.get(robot.templateId))?.name);
    const record = newQueuedRecord({
      id: randomUUID(),
      eventId: original.eventId,
      reportId: original.reportId,
      reportName: original.reportName,
      robotId: robot.id,
      robotName: robot.name,
      channel: robot.channel,
      templateId: robot.templateId,
      templateName: templateNames.get(robot.templateId) ?? original.templateName,
      resendOf: original.id,
    });
    prepared.push({
      record,
      job: {
        recordId: record.id,
        robotId: robot.id,
        robotName: robot.name,
        templateId: robot.templateId,
        queuedAt: record.createdAt,
        correlationId: original.eventId,
        report,
      },
    });
  }
  await recordsStore.putMany(prepared.map(({ record }) => record));
  const marked: typeof prepared = [];
  for (const entry of prepared) {
    if (await recordsStore.markResent(entry.record.resendOf!, entry.record.id, mode)) marked.push(entry);
    else await recordsStore.close(entry.record, 'skipped', `Record ${entry.record.resendOf} was resent by another call at the same time`);
  }
  await enqueuePushJobs(marked.map(({ job }) => job));
  return marked.map(({ record }) => ({ id: record.id, resendOf: record.resendOf! }));
}

const digestRefusal = (record: PushRecord) =>
  conflict(
    `Push record ${record.id} is a digest, one message for ${record.members?.length} pushes; resend or confirm those pushes instead`,
  );

/** An admin saw an unconfirmed push in the group: it ends sent. */
export async function confirmPushRecord(id: string) {
  const record = await recordsStore.get(id);
  if (!record || record.expiresAt * 1000 <= Date.now()) throw notFound(`No push record with id ${id}`);
  if (record.members) throw digestRefusal(record);
  if ((await recordsStore.confirm(id, Date.now())) === 'not-unconfirmed') {
    throw conflict(`Push record ${id} is ${record.status}, not unconfirmed; only an unconfirmed push can be marked delivered`);
  }
  return getPushRecord(id);
}

/** Pushes per day by final status for the last `days` days (UTC), oldest first: the console's chart. */
export async function pushStatistics(days: number) {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const dates = Array.from({ length: days }, (_, index) => new Date(today - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10));
  const counts = await recordsStore.countsPerDay(dates, ['sent', 'failed', 'skipped']);
  return {
    days: dates.map((date) => ({
      date,
      sent: counts[date].sent ?? 0,
      failed: counts[date].failed ?? 0,
      skipped: counts[date].skipped ?? 0,
    })),
  };
}
