// The audit log as admins read it: filtered pages newest first, and exports oldest first.
import type { ExportAuditEventsQuery, ListAuditEventsQuery } from '../../schemas/teams';
import type { Caller } from '../domain/caller';
import { auditStore, type AuditEventView } from '../store/auditStore';
import { timeRange } from '../validation/timeRange';

/** Events an export answers at most; the rest through the cursor in Dingpush-Next-Cursor. */
export const exportPageSize = 10_000;

export async function listAuditEvents(caller: Caller, query: ListAuditEventsQuery) {
  const { action, actorId, targetType, targetId, limit, cursor } = query;
  return auditStore.list(
    caller.workspaceId,
    { action, actorId, targetType, targetId, ...timeRange(query.from, query.to) },
    { limit: limit ?? 50, cursor },
  );
}

const csvColumns = [
  'at',
  'action',
  'result',
  'actorType',
  'actorId',
  'actorName',
  'targetType',
  'targetId',
  'targetName',
  'changes',
  'requestId',
  'sourceIp',
  'userAgent',
];

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled; a leading =+-@ cannot start a spreadsheet formula. */
function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(event: AuditEventView): string {
  const { actor, target } = event;
  return [
    event.at,
    event.action,
    event.result,
    actor.type,
    actor.id,
    actor.name,
    target.type,
    target.id,
    target.name,
    event.changes,
    event.requestId,
    event.sourceIp,
    event.userAgent,
  ]
    .map(csvField)
    .join(',');
}

export async function exportAuditEvents(caller: Caller, query: ExportAuditEventsQuery) {
  const page = await auditStore.list(caller.workspaceId, timeRange(query.from, query.to), {
    limit: exportPageSize,
    cursor: query.cursor,
    oldestFirst: true,
  });
  const text =
    query.format === 'csv'
      ? [csvColumns.join(','), ...page.items.map(csvRow)].join('\r\n') + '\r\n'
      : page.items.map((event) => JSON.stringify(event) + '\n').join('');
  return { text, contentType: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson', nextCursor: page.nextCursor };
}
