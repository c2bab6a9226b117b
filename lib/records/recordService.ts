// Push record use cases: list with filters, open one with its content, resend.
import { randomUUID } from 'node:crypto';
import type { PushJob } from '../../schemas/pushJob';
import type { BulkResendInput, ListPushRecordsQuery } from '../../schemas/pushRecord';
import { conflict, notFound } from '../errors';
import { timeRange } from '../validation/timeRange';
import { eventsStore } from '../store/eventsStore';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { recordsStore } from '../store/recordsStore';
import { newQueuedRecord, type PushRecord } from '../domain/pushRecord';
import { loadRobot } from '../robots/robotService';
import { robotsStore } from '../store/robotsStore';
import type { Robot } from '../domain/robot';
import { templatesStore } from '../store/templatesStore';
import { auditEvent, type AuditEvent } from '../audit/auditEvent';
import type { Caller } from '../domain/caller';

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

export async function listPushRecords(caller: Caller, query: ListPushRecordsQuery) {
  const { from, to } = timeRange(query.from, query.to);
  const page = await recordsStore.list(
    {
      workspaceId: caller.workspaceId,
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

/** The workspace's record (past retention reads as absent), or a 404. */
export async function loadRecord(caller: Caller, id: string): Promise<PushRecord> {
  const record = await recordsStore.getIn(caller.workspaceId, id);
  if (!record) throw notFound(`No push record with id ${id}`);
  return record;
}

export async function getPushRecord(caller: Caller, id: string) {
  return toRecordDetail(await loadRecord(caller, id));
}

/** A new record and job for the same robot and report, linked to the original; the normal pipeline does the rest. */
export async function resendPushRecord(caller: Caller, id: string) {
  const original = await loadRecord(caller, id);
  if (original.members) throw digestRefusal(original);
  const [resent] = await resendRecords(caller, [original], 'always', (resends) =>
    auditEvent(caller, 'push-record.resend', { id }, { resentAs: { before: null, after: resends[0]?.record.id } }),
  );
  if (!resent) throw conflict('The report data of this push is no longer kept (past retention); it cannot be resent');
  return { id: resent.id, resendOf: original.id, status: 'queued' as const };
}

/** Bulk recovery: at most this many records per call, the rest through the cursor. */
const bulkResendPage = 100;
/** Resends written in one transaction with their audit event: two writes each and the event, within DynamoDB's 100. */
const resendsPerTransaction = 49;

/**
 * Resends the failed or unconfirmed records a filter matches that were not resent already, a page per
 * call. Each page goes to the queue oldest first, so a robot's resends keep the order of its originals.
 */
export async function resendPushRecords(caller: Caller, input: BulkResendInput) {
  const { from, to } = timeRange(input.from, input.to);
  const page = await recordsStore.list(
    { workspaceId: caller.workspaceId, status: input.status, robotId: input.robotId, templateId: input.templateId, from, to },
    { limit: bulkResendPage, cursor: input.cursor },
  );
  // a digest's failed record is not resent: its pushes went on without it, each with its own record
  const originals = page.items.filter((record) => !record.resentAs && !record.members).reverse();
  const resent = await resendRecords(caller, originals, 'once', (resends) =>
    auditEvent(
      caller,
      'push-records.bulk-resend',
      { id: input.status },
      { resent: { before: null, after: resends.map(({ record, originalId }) => ({ id: originalId, resentAs: record.id })) } },
    ),
  );
  return { resent, nextCursor: page.nextCursor };
}

type Resend = { record: PushRecord; originalId: string; job: PushJob };

/**
 * One new record and job per original whose report is still kept, queued in the given order through each
 * robot's message group like any push (so its send window keeps a single writer). The new records, the
 * links from their originals and the audit event are one transaction (one per 49 resends: DynamoDB takes
 * 100 writes in one); if queueing fails after it, the sweeper queues the records again. `once`: an
 * original that another call resent meanwhile keeps that resend and is left out here.
 */
async function resendRecords(
  caller: Caller,
  originals: PushRecord[],
  mode: 'always' | 'once',
  audit: (resends: Resend[]) => AuditEvent,
): Promise<{ id: string; resendOf: string }[]> {
  const prepared = await prepareResends(caller, originals, mode);
  const written: Resend[] = [];
  for (let start = 0; start < prepared.length; start += resendsPerTransaction) {
    let chunk = prepared.slice(start, start + resendsPerTransaction);
    while (chunk.length > 0) {
      const taken = await recordsStore.resend(chunk, mode, audit(chunk));
      if (taken.length === 0) break;
      chunk = chunk.filter((resend) => !taken.includes(resend.originalId));
    }
    written.push(...chunk);
  }
  await enqueuePushJobs(written.map(({ job }) => job));
  return written.map(({ record, originalId }) => ({ id: record.id, resendOf: originalId }));
}

async function prepareResends(caller: Caller, originals: PushRecord[], mode: 'always' | 'once'): Promise<Resend[]> {
  const robots = new Map<string, Robot>();
  const templateNames = new Map<string, string | undefined>();
  const reportOf = eventsStore.reportsReadOnce(caller.workspaceId);
  const prepared: Resend[] = [];
  for (const original of originals) {
    const report = await reportOf(original.eventId);
    if (!report) continue;
    // a bulk call leaves out the records of a robot deleted since; asked for one such record, it is a 404
    const robot =
      robots.get(original.robotId) ??
      (mode === 'always'
        ? await loadRobot(caller.workspaceId, original.robotId)
        : await robotsStore.getIn(caller.workspaceId, original.robotId));
    if (!robot) continue;
    robots.set(robot.id, robot);
    if (!templateNames.has(robot.templateId))
      templateNames.set(robot.templateId, (await templatesStore.getIn(caller.workspaceId, robot.templateId))?.name);
    const record = newQueuedRecord({
      id: randomUUID(),
      workspaceId: caller.workspaceId,
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
    const job: PushJob = {
      recordId: record.id,
      workspaceId: caller.workspaceId,
      robotId: robot.id,
      robotName: robot.name,
      templateId: robot.templateId,
      queuedAt: record.createdAt,
      correlationId: original.eventId,
      report,
    };
    prepared.push({ record, originalId: original.id, job });
  }
  return prepared;
}

const digestRefusal = (record: PushRecord) =>
  conflict(
    `Push record ${record.id} is a digest, one message for ${record.members?.length} pushes; resend or confirm those pushes instead`,
  );

/** An admin saw an unconfirmed push in the group: it ends sent. */
export async function confirmPushRecord(caller: Caller, id: string) {
  const record = await loadRecord(caller, id);
  if (record.members) throw digestRefusal(record);
  const audit = auditEvent(caller, 'push-record.confirm', { id }, { status: { before: 'unconfirmed', after: 'sent' } });
  if ((await recordsStore.confirm(id, Date.now(), audit)) === 'not-unconfirmed') {
    throw conflict(`Push record ${id} is ${record.status}, not unconfirmed; only an unconfirmed push can be marked delivered`);
  }
  return getPushRecord(caller, id);
}

/** Pushes per day by final status for the last `days` days (UTC), oldest first: the console's chart. */
export async function pushStatistics(caller: Caller, days: number) {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const dates = Array.from({ length: days }, (_, index) => new Date(today - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10));
  const counts = await recordsStore.countsPerDay(caller.workspaceId, dates, ['sent', 'failed', 'skipped']);
  return {
    days: dates.map((date) => ({
      date,
      sent: counts[date].sent ?? 0,
      failed: counts[date].failed ?? 0,
      skipped: counts[date].skipped ?? 0,
    })),
  };
}
