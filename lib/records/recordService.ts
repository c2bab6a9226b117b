// Push record use cases: list with filters, open one with its content, resend.
import { randomUUID } from 'node:crypto';
import type { ListPushRecordsQuery } from '../../schemas/pushRecord';
import { badRequest, conflict, notFound } from '../errors';
import { eventsStore } from '../store/eventsStore';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { newQueuedRecord, recordsStore, type PushRecord } from '../store/recordsStore';
import { loadRobot } from '../robots/robotService';
import { templatesStore } from '../store/templatesStore';

/** The list view: everything but the content and the internals. */
export function toRecordSummary(record: PushRecord) {
  const { content: _content, contentBytes: _bytes, template: _template, response: _response, attemptLog: _log, expiresAt: _expires, ...summary } = record;
  return summary;
}

export function toRecordDetail(record: PushRecord) {
  const { expiresAt: _expires, ...detail } = record;
  return { ...detail, content: record.content ?? null, contentBytes: record.contentBytes ?? null, template: record.template ?? null, response: record.response ?? null };
}

function normalizeTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw badRequest(`${name} is not a valid time`, [{ path: `/${name}`, message: 'must be an ISO 8601 date-time' }]);
  return time.toISOString();
}

export async function listPushRecords(query: ListPushRecordsQuery) {
  const from = normalizeTime(query.from, 'from');
  const to = normalizeTime(query.to, 'to');
  if (from && to && from > to) {
    throw badRequest('from is after to; swap them or widen the range', [{ path: '/from', message: 'must not be after to' }]);
  }
  const page = await recordsStore.list(
    { keyword: query.keyword?.trim() || undefined, robotId: query.robotId, templateId: query.templateId, status: query.status, eventId: query.eventId, from, to },
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
  const robot = await loadRobot(original.robotId);
  const template = await templatesStore.get(robot.templateId);
  const record = newQueuedRecord({
    id: randomUUID(),
    eventId: original.eventId,
    reportId: original.reportId,
    reportName: original.reportName,
    robotId: robot.id,
    robotName: robot.name,
    templateId: robot.templateId,
    templateName: template?.name ?? original.templateName,
    resendOf: original.id,
  });
  const report = await eventsStore.report(original.eventId);
  if (!report) throw conflict('The report data of this push is no longer kept (past retention); it cannot be resent');
  await recordsStore.putMany([record]);
  // through the robot's message group like any push, so its send window keeps a single writer
  await enqueuePushJobs([{ recordId: record.id, robotId: robot.id, robotName: robot.name, templateId: robot.templateId, queuedAt: record.createdAt, correlationId: original.eventId, report }]);
  return { id: record.id, resendOf: original.id, status: record.status };
}

/** Pushes per day by final status for the last `days` days (UTC), oldest first: the console's chart. */
export async function pushStatistics(days: number) {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const dates = Array.from({ length: days }, (_, index) => new Date(today - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10));
  const counts = await recordsStore.countsPerDay(dates, ['sent', 'failed', 'skipped']);
  return { days: dates.map((date) => ({ date, sent: counts[date].sent ?? 0, failed: counts[date].failed ?? 0, skipped: counts[date].skipped ?? 0 })) };
}
