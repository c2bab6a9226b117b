// Push records: one item per push job. The worker writes a record once an attempt has ended (sent |
// failed, or queued again for a retry), together with the content it sent. Only the worker holding the
// robot's message group writes a robot's records, so the writes need no lease; a job that waits for its
// slot shows as queued meanwhile, and jobs that are not sent (skipped, failed before sending) are closed here.
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PushStatus } from '../../schemas/pushRecord';
import type { ChannelMessage } from '../channels';
import { dynamodb } from '../aws/clients';
import { forEachConcurrently } from '../concurrency';
import type { PushRecord, TemplateSnapshot } from '../domain/pushRecord';
import { decodeTimeCursor, partitionQuery, sourcesFor, type RecordFilter } from './recordListPlan';
import { readNewestFirst, recordIndexAttributes, recordIndexKeys, statusesIndexed } from './recordIndexes';
import { config } from '../config';
import type { AuditEvent } from '../audit/auditEvent';
import { auditPut } from './auditStore';
import {
  batchPutAll,
  checked,
  indexNames,
  inWorkspace,
  isConditionFailure,
  keys,
  queryPages,
  storedAs,
  tableName,
  transactWrite,
  type Page,
} from './table';

const keyAttributes = [
  'pk',
  'sk',
  'id',
  'listPk',
  'listSk',
  'robotKey',
  'templateKey',
  'statusKey',
  'eventKey',
  'robotNameLower',
  'templateNameLower',
];
export function fromRecordItem(item: Record<string, unknown>): PushRecord {
  const fields = Object.keys(item).filter((name) => !keyAttributes.includes(name) || name === 'id');
  const record = storedAs<PushRecord>('push record', item, fields, [
    'id',
    'workspaceId',
    'eventId',
    'robotId',
    'templateId',
    'status',
    'attempts',
    'createdAt',
    'updatedAt',
    'expiresAt',
  ]);
  record.attemptLog ??= [];
  return record;
}

/** The record's summary item: what lists read (the body sent and its template live in the content item). */
function toItem({ content: _content, contentBytes: _bytes, template: _template, ...record }: PushRecord) {
  return {
    ...keys.record(record.id),
    ...record,
    ...recordIndexAttributes(record),
    listSk: `${record.createdAt}#${record.id}`,
    robotNameLower: record.robotName.toLowerCase(),
    templateNameLower: record.templateName.toLowerCase(),
  };
}

/** What a job that sends nothing may close: no record yet, or one still queued (or held for quiet hours). */
const unfinished = 'attribute_not_exists(pk) OR #status = :queued OR #status = :held';

/**
 * `SET` clauses that write a record's identity only where it is not there yet, so the first write of a
 * job creates the record and a later one leaves it as it is (status and attempts are set by the caller).
 */
function createIfAbsent(record: PushRecord): { clauses: string[]; values: Record<string, unknown> } {
  const {
    status: _status,
    statusKey: _statusKey,
    attempts: _attempts,
    updatedAt: _updated,
    attemptLog: _log,
    ...identity
  } = toItem(record);
  const clauses: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(identity)) {
    if (name === 'pk' || name === 'sk' || value === undefined) continue;
    clauses.push(`${name} = if_not_exists(${name}, :new_${name})`);
    values[`:new_${name}`] = value;
  }
  return { clauses, values };
}

export const recordsStore = {
  /** Writes records in batches of 25 (plain puts: for new records, whose ids are fresh or known to be absent). */
  async putMany(records: PushRecord[]): Promise<void> {
    await batchPutAll(records.map(toItem));
  },

  /** The record if it belongs to the workspace (and is not past retention). */
  async getIn(workspaceId: string, id: string): Promise<PushRecord | undefined> {
    const record = await recordsStore.get(id, workspaceId);
    return record && record.expiresAt * 1000 > Date.now() ? record : undefined;
  },

  /** The summary and, once written, the content item, in one Query (any workspace when none is named: the worker's read). */
  async get(id: string, workspaceId?: string): Promise<PushRecord | undefined> {
    const { Items = [] } = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.record(id).pk },
        ConsistentRead: true,
      }),
    );
    const found = Items.find((item) => item.sk === 'RECORD');
    const summary = workspaceId === undefined ? found : inWorkspace(found, workspaceId);
    if (!summary) return undefined;
    const content = Items.find((item) => item.sk === 'CONTENT');
    const record = fromRecordItem(summary);
    if (!content) return record;
    // the body is kept as the exact text sent, so it comes back with its keys in the order the service got them
    const text = typeof content.contentText === 'string' ? content.contentText : undefined;
    const sent = text === undefined ? undefined : (JSON.parse(text) as ChannelMessage);
    return {
      ...record,
      ...(text !== undefined && { content: sent, contentBytes: Buffer.byteLength(text) }),
      template: content.template as TemplateSnapshot | undefined,
    };
  },

  /**
   * A job that has to wait (for its rate-limit slot) before anyone takes it: its record shows it queued
   * meanwhile. Leaves a record that exists as it is.
   */
  async ensureQueued(record: PushRecord): Promise<void> {
    await putIfAbsent(record);
  },

  /**
   * Writes records as the worker built them, each with its content item when it carries the body sent, in one
   * batch write (plain puts: only the holder of the robot's message group writes its records).
   */
  async putAll(records: PushRecord[]): Promise<void> {
    await batchPutAll(records.flatMap((record) => [toItem(record), ...(record.content ? [contentItem(record.id, record)] : [])]));
  },

  /** Holds a push for the robot's quiet hours, creating its record if need be; a finished one is left alone. */
  async hold(record: PushRecord, until: number, now: number): Promise<boolean> {
    const created = createIfAbsent(record);
    return conditionalUpdate({
      Key: keys.record(record.id),
      UpdateExpression: `SET #status = :status, statusKey = :statusKey, heldUntil = :until, updatedAt = :updatedAt, attempts = if_not_exists(attempts, :zero), ${created.clauses.join(', ')}`,
      ConditionExpression: unfinished,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': 'held',
        ':statusKey': recordIndexAttributes({ ...record, status: 'held' }).statusKey,
        ':until': new Date(until).toISOString(),
        ':updatedAt': new Date(now).toISOString(),
        ':queued': 'queued',
        ':held': 'held',
        ':zero': 0,
        ...created.values,
      },
    });
  },

  /** A robot's held pushes, oldest first, at most `limit` (few: only quiet hours hold any). */
  async held(workspaceId: string, robotId: string, limit: number): Promise<PushRecord[]> {
    const items = await heldItems(workspaceId, {
      FilterExpression: 'robotId = :robotId',
      ExpressionAttributeValues: { ':robotId': robotId },
    });
    return items
      .sort((a, b) => (String(a.listSk) < String(b.listSk) ? -1 : 1))
      .slice(0, limit)
      .map(fromRecordItem);
  },

  /** The robots with held pushes whose quiet hours ended by `now`. */
  async robotsWithHeldDue(workspaceId: string, now: number): Promise<string[]> {
    const items = await heldItems(workspaceId, {
      FilterExpression: 'heldUntil <= :now',
      ExpressionAttributeValues: { ':now': new Date(now).toISOString() },
      ProjectionExpression: 'robotId',
    });
    return [...new Set(items.map((item) => String(item.robotId)))];
  },

  /** An admin saw an unconfirmed push in the group: it becomes sent. */
  async confirm(id: string, now: number, audit: AuditEvent): Promise<'confirmed' | 'not-unconfirmed'> {
    const at = new Date(now).toISOString();
    const refused = await transactWrite([
      checked('not-unconfirmed', {
        Update: {
          TableName: tableName,
          Key: keys.record(id),
          UpdateExpression: 'SET #status = :sent, sentAt = :at, confirmedAt = :at, updatedAt = :at REMOVE statusKey',
          ConditionExpression: '#status = :unconfirmed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sent': 'sent', ':unconfirmed': 'unconfirmed', ':at': at },
        },
      }),
      auditPut(audit),
    ]);
    return refused.length === 0 ? 'confirmed' : 'not-unconfirmed';
  },

  /** Marks sent records recalled, with the audit event, in one transaction (at most 99 records). */
  async recalled(ids: string[], now: number, audit: AuditEvent): Promise<void> {
    const at = new Date(now).toISOString();
    await transactWrite([
      ...ids.map((id) => ({
        Update: {
          TableName: tableName,
          Key: keys.record(id),
          UpdateExpression: 'SET #status = :recalled, recalledAt = :at, updatedAt = :at',
          ConditionExpression: '#status = :sent',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':recalled': 'recalled', ':sent': 'sent', ':at': at },
        },
      })),
      auditPut(audit),
    ]);
  },

  /**
   * Writes each resend's new record and links its original to it (`once`: only an original not resent yet),
   * with the audit event, in one transaction. Answers the originals another call resent meanwhile: then
   * nothing was written, and the caller tries again without them.
   */
  async resend(resends: { record: PushRecord; originalId: string }[], mode: 'always' | 'once', audit: AuditEvent): Promise<string[]> {
    return transactWrite([
      ...resends.flatMap(({ record, originalId }) => [
        { Put: { TableName: tableName, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
        checked(originalId, {
          Update: {
            TableName: tableName,
            Key: keys.record(originalId),
            UpdateExpression: 'SET resentAs = :resentAs',
            ConditionExpression: mode === 'once' ? 'attribute_exists(pk) AND attribute_not_exists(resentAs)' : 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':resentAs': record.id },
          },
        }),
      ]),
      auditPut(audit),
    ]);
  },

  /** Ends a record without sending, creating it if need be: skipped (robot gone or disabled) or failed before sending. */
  async close(record: PushRecord, status: 'skipped' | 'failed', errmsg: string, now = Date.now()): Promise<boolean> {
    const created = createIfAbsent(record);
    const closed = await conditionalUpdate({
      Key: keys.record(record.id),
      UpdateExpression: `SET #status = :status, statusKey = :statusKey, errmsg = :errmsg, updatedAt = :updatedAt, attempts = if_not_exists(attempts, :zero), ${created.clauses.join(', ')}`,
      ConditionExpression: unfinished,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': status,
        ':statusKey': recordIndexAttributes({ ...record, status }).statusKey,
        ':errmsg': errmsg,
        ':updatedAt': new Date(now).toISOString(),
        ':queued': 'queued',
        ':held': 'held',
        ':zero': 0,
        ...created.values,
      },
    });
    if (closed && (record.content || record.template)) await putContent(record.id, record);
    return closed;
  },

  /**
   * How many records of each final status were created on each of the given UTC days (sorted, oldest
   * first). Sent records, most of them, are counted per day with COUNT queries on the time index; the
   * rare ones of the status index are read once over the whole range (their keys only) and counted here.
   */
  async countsPerDay(workspaceId: string, days: string[], statuses: PushStatus[]): Promise<Record<string, Record<string, number>>> {
    const counts: Record<string, Record<string, number>> = Object.fromEntries(
      days.map((day) => [day, Object.fromEntries(statuses.map((status) => [status, 0]))]),
    );
    const now = Math.floor(Date.now() / 1000);
    const work = statuses.flatMap((status): { status: PushStatus; partition: string; day?: string }[] => {
      if (statusesIndexed.includes(status))
        return recordIndexKeys.status(workspaceId, status).partitions.map((partition) => ({ status, partition, day: undefined }));
      return days.flatMap((day) => recordIndexKeys.time(workspaceId).partitions.map((partition) => ({ status, partition, day })));
    });
    await forEachConcurrently(work, 16, async ({ status, partition, day }) => {
      if (day === undefined) {
        const pages = queryPages({
          IndexName: indexNames.recordsByStatus,
          KeyConditionExpression: 'statusKey = :partition AND listSk BETWEEN :first AND :last',
          // a digest's record is a message, not a push: its members are counted
          FilterExpression: 'expiresAt > :now AND attribute_not_exists(members)',
          ProjectionExpression: 'listSk',
          ExpressionAttributeValues: { ':partition': partition, ':first': days[0], ':last': `${days[days.length - 1]}\uffff`, ':now': now },
        });
        for await (const page of pages) {
          for (const item of page.Items ?? []) {
            const bucket = counts[String(item.listSk).slice(0, 10)];
            if (bucket) bucket[status] += 1;
          }
        }
        return;
      }
      const pages = queryPages({
        IndexName: indexNames.byList,
        KeyConditionExpression: 'listPk = :partition AND begins_with(listSk, :day)',
        FilterExpression: 'expiresAt > :now AND #status = :status AND attribute_not_exists(members)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':partition': partition, ':day': day, ':now': now, ':status': status },
        Select: 'COUNT',
      });
      for await (const page of pages) counts[day][status] += page.Count ?? 0;
    });
    return counts;
  },

  /**
   * Newest first. Each filter picks the narrowest index; a keyword becomes the robots and templates that
   * ever had a matching name, and their index partitions are merged by time. The cursor is the position
   * in time (createdAt#id), so records arriving meanwhile never shift later pages.
   */
  async list(filter: RecordFilter, options: { limit: number; cursor?: string }): Promise<Page<PushRecord>> {
    const before = decodeTimeCursor(options.cursor);
    const { sources, owners } = await sourcesFor(filter);
    const merged = await readNewestFirst(sources, (source) => partitionQuery(source, filter, before, owners), options.limit + 1);
    const page = merged.slice(0, options.limit);
    const nextCursor =
      merged.length > options.limit
        ? Buffer.from(JSON.stringify({ before: page[page.length - 1].listSk }), 'utf8').toString('base64url')
        : null;
    return { items: page.map(fromRecordItem), nextCursor };
  },
};

/** Every held record's item (the status index's held shards) that passes `filter`. */
async function heldItems(
  workspaceId: string,
  filter: {
    FilterExpression: string;
    ExpressionAttributeValues: Record<string, unknown>;
    ProjectionExpression?: string;
  },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  await forEachConcurrently(recordIndexKeys.status(workspaceId, 'held').partitions, 8, async (partition) => {
    const pages = queryPages({
      IndexName: indexNames.recordsByStatus,
      KeyConditionExpression: 'statusKey = :partition',
      ...filter,
      ...(filter.ProjectionExpression && { ProjectionExpression: `${filter.ProjectionExpression}, listSk` }),
      ExpressionAttributeValues: { ...filter.ExpressionAttributeValues, ':partition': partition },
    });
    for await (const page of pages) items.push(...(page.Items ?? []));
  });
  return items;
}

/** The body as the exact text sent (the webhook client sends JSON.stringify of the same message). */
function contentItem(id: string, { content, template }: { content?: ChannelMessage; template?: TemplateSnapshot }) {
  return {
    ...keys.recordContent(id),
    ...(content && { contentText: JSON.stringify(content) }),
    ...(template && { template }),
    expiresAt: Math.floor(Date.now() / 1000) + config.recordRetentionDays * 86_400,
  };
}

async function putContent(id: string, content: { content?: ChannelMessage; template?: TemplateSnapshot }): Promise<void> {
  await dynamodb.send(new PutCommand({ TableName: tableName, Item: contentItem(id, content) }));
}

/** Writes the record if none with its id exists; says whether it did. */
async function putIfAbsent(record: PushRecord): Promise<boolean> {
  try {
    await dynamodb.send(new PutCommand({ TableName: tableName, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

async function conditionalUpdate(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<boolean> {
  try {
    await dynamodb.send(new UpdateCommand({ ...input, TableName: tableName }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
