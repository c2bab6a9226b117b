// Push records: one item per push job. The worker writes a record once an attempt has ended (sent |
// failed, or queued again for a retry), together with the content it sent. Only the worker holding the
// robot's message group writes a robot's records, so the writes need no lease; a job that waits for its
// slot shows as queued meanwhile, and jobs that are not sent (skipped, failed before sending) are closed here.
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PushStatus } from '../../schemas/pushRecord';
import type { AttemptResult } from '../dingtalk/client';
import type { Channel, ChannelMessage } from '../channels/channels';
import { dynamodb } from '../aws/clients';
import { config } from '../config';
import { forEachConcurrently } from '../concurrency';
import { badRequest } from '../errors';
import { idsWithNameContaining } from './namesStore';
import {
  readNewestFirst,
  recordIndexAttributes,
  recordIndexKeys,
  statusesIndexed,
  type IndexKey,
  type PartitionQuery,
} from './recordIndexes';
import { batchPutAll, indexNames, isConditionFailure, keys, queryPages, storedAs, tableName, type Page } from './table';

export interface AttemptLogEntry {
  at: string;
  /** not-sent: safe to send again; answered: status and errcode say what happened; uncertain: may be in the group. */
  result: AttemptResult;
  httpStatus?: number;
  errcode?: number;
  errmsg: string;
  durationMs: number;
  /** Which of the robot's webhooks the attempt went through, masked. */
  webhook?: string;
  /** The attempt sent this push in a digest. */
  digestId?: string;
}

export interface PictureSent {
  name: string;
  md5: string;
  bytes: number;
}

export interface TemplateSnapshot {
  id: string;
  name: string;
  version: number;
  msgType: string;
  [field: string]: unknown;
}

export interface PushRecord {
  id: string;
  eventId: string;
  reportId: string;
  reportName: string;
  robotId: string;
  robotName: string;
  /** The robot's channel when the push was made (records made before WeCom and Feishu have none: DingTalk). */
  channel?: Channel;
  templateId: string;
  templateName: string;
  status: PushStatus;
  attempts: number;
  /** How many attempts ended without a known outcome: the group may show this push that many times more. */
  uncertain?: number;
  /** While held for the robot's quiet hours: when they end. */
  heldUntil?: string;
  /** While a failed attempt waits to be retried: when the next one is due. */
  nextAttemptAt?: string;
  /** Attempts left out of the middle of attemptLog, which keeps the first and the latest. */
  attemptsOmitted?: number;
  /** The record a resend created from this one. */
  resentAs?: string;
  /** The digest this push was last sent in (its record: the exact message the group got). */
  digestId?: string;
  /** A digest's record: the pushes it carries, in order. */
  members?: string[];
  /** Which of the robot's webhooks the latest attempt went through, masked (numbered from #1 when it has a pool). */
  webhook?: string;
  /**
   * WeCom: present once the push's message is in the group and its screenshots follow as image messages of
   * their own, each as sent (the md5 of the stored bytes); the push is sent when the last one is.
   */
  picturesSent?: PictureSent[];
  errcode?: number;
  errmsg?: string;
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  /** When an admin marked an unconfirmed push delivered. */
  confirmedAt?: string;
  resendOf?: string;
  content?: ChannelMessage;
  /** Bytes of the body as sent (UTF-8). */
  contentBytes?: number;
  template?: TemplateSnapshot;
  response?: unknown;
  attemptLog: AttemptLogEntry[];
  expiresAt: number;
}

export type NewPushRecord = Pick<
  PushRecord,
  'id' | 'eventId' | 'reportId' | 'reportName' | 'robotId' | 'robotName' | 'templateId' | 'templateName' | 'channel'
> & {
  resendOf?: string;
};

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
// unconfirmed: the robot holds an uncertain push for an admin; it is not sent again on its own
const terminalStatuses: PushStatus[] = ['sent', 'failed', 'skipped', 'unconfirmed'];

export function isTerminal(status: PushStatus): boolean {
  return terminalStatuses.includes(status);
}

export function fromRecordItem(item: Record<string, unknown>): PushRecord {
  const fields = Object.keys(item).filter((name) => !keyAttributes.includes(name) || name === 'id');
  const record = storedAs<PushRecord>('push record', item, fields, [
    'id',
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

function toItem(record: PushRecord) {
  return {
    ...keys.record(record.id),
    ...record,
    ...recordIndexAttributes(record),
    listSk: `${record.createdAt}#${record.id}`,
    robotNameLower: record.robotName.toLowerCase(),
    templateNameLower: record.templateName.toLowerCase(),
  };
}

export function newQueuedRecord(fields: NewPushRecord, now = new Date()): PushRecord {
  return {
    ...fields,
    status: 'queued',
    attempts: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    attemptLog: [],
    expiresAt: Math.floor(now.getTime() / 1000) + config.recordRetentionDays * 86_400,
  };
}

const attemptLogHead = 3;
const attemptLogTail = 17;

/** The log with one more attempt, bounded: the first attempts and the latest kept, those between counted. */
function withAttempt(record: PushRecord, entry: AttemptLogEntry): Pick<PushRecord, 'attemptLog' | 'attemptsOmitted' | 'uncertain'> {
  const log = [...record.attemptLog, entry];
  const dropped = Math.max(0, log.length - attemptLogHead - attemptLogTail);
  return {
    attemptLog: dropped === 0 ? log : [...log.slice(0, attemptLogHead), ...log.slice(attemptLogHead + dropped)],
    ...((record.attemptsOmitted ?? 0) + dropped > 0 && { attemptsOmitted: (record.attemptsOmitted ?? 0) + dropped }),
    ...((record.uncertain ?? 0) + (entry.result === 'uncertain' ? 1 : 0) > 0 && {
      uncertain: (record.uncertain ?? 0) + (entry.result === 'uncertain' ? 1 : 0),
    }),
  };
}

/** A record whose attempt ended it: what DingTalk answered (or that nobody knows), and the attempt in the log. */
export function finishedRecord(attempted: PushRecord, outcome: Outcome, now: number): PushRecord {
  const at = new Date(now).toISOString();
  const { nextAttemptAt: _next, ...rest } = attempted;
  return {
    ...rest,
    status: outcome.status,
    updatedAt: at,
    ...(outcome.status === 'sent' && { sentAt: at }),
    ...(outcome.errcode !== undefined && { errcode: outcome.errcode }),
    ...(outcome.errmsg !== undefined && { errmsg: outcome.errmsg }),
    ...(outcome.response !== undefined && { response: outcome.response }),
    ...withAttempt(attempted, outcome.entry),
  };
}

/** A record whose message (or one of its pictures) went, with more of its pictures to follow: queued still. */
export function partSentRecord(attempted: PushRecord, entry: AttemptLogEntry, picturesSent: PictureSent[]): PushRecord {
  const { nextAttemptAt: _next, ...rest } = attempted;
  return { ...rest, status: 'queued', updatedAt: entry.at, picturesSent, ...withAttempt(attempted, entry) };
}

/** A record whose attempt failed in a way worth retrying: logged, and queued again until `nextAttemptAt`. */
export function retryingRecord(attempted: PushRecord, entry: AttemptLogEntry, nextAttemptAt: number): PushRecord {
  return {
    ...attempted,
    status: 'queued',
    updatedAt: entry.at,
    nextAttemptAt: new Date(nextAttemptAt).toISOString(),
    errmsg: entry.errmsg,
    ...(entry.errcode !== undefined && { errcode: entry.errcode }),
    ...withAttempt(attempted, entry),
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

/** How an attempt ended. */
export interface Outcome {
  status: 'sent' | 'failed' | 'unconfirmed';
  entry: AttemptLogEntry;
  errcode?: number;
  errmsg?: string;
  response?: unknown;
}

export const recordsStore = {
  /** Writes records in batches of 25 (plain puts: for new records, whose ids are fresh or known to be absent). */
  async putMany(records: PushRecord[]): Promise<void> {
    await batchPutAll(records.map(toItem));
  },

  /** The summary and, once written, the content item, in one Query. */
  async get(id: string): Promise<PushRecord | undefined> {
    const { Items = [] } = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.record(id).pk },
        ConsistentRead: true,
      }),
    );
    const summary = Items.find((item) => item.sk === 'RECORD');
    if (!summary) return undefined;
    const content = Items.find((item) => item.sk === 'CONTENT');
    const record = fromRecordItem(summary);
    if (!content) return record;
    // the body is kept as the exact text sent, so it comes back with its keys in the order DingTalk got them
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

  /** The exact body about to be sent and the template it came from, written before the POST. */
  async putContent(id: string, content: ChannelMessage, template: TemplateSnapshot): Promise<void> {
    await putContent(id, { content, template });
  },

  /** Writes a record as its worker built it. A plain put: only the holder of the robot's message group writes it. */
  async put(record: PushRecord): Promise<void> {
    await dynamodb.send(new PutCommand({ TableName: tableName, Item: toItem(record) }));
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
  async held(robotId: string, limit: number): Promise<PushRecord[]> {
    const items = await heldItems({ FilterExpression: 'robotId = :robotId', ExpressionAttributeValues: { ':robotId': robotId } });
    return items
      .sort((a, b) => (String(a.listSk) < String(b.listSk) ? -1 : 1))
      .slice(0, limit)
      .map(fromRecordItem);
  },

  /** The robots with held pushes whose quiet hours ended by `now`. */
  async robotsWithHeldDue(now: number): Promise<string[]> {
    const items = await heldItems({
      FilterExpression: 'heldUntil <= :now',
      ExpressionAttributeValues: { ':now': new Date(now).toISOString() },
      ProjectionExpression: 'robotId',
    });
    return [...new Set(items.map((item) => String(item.robotId)))];
  },

  /** An admin saw an unconfirmed push in the group: it becomes sent. */
  async confirm(id: string, now: number): Promise<'confirmed' | 'not-unconfirmed'> {
    const at = new Date(now).toISOString();
    const confirmed = await conditionalUpdate({
      Key: keys.record(id),
      UpdateExpression: 'SET #status = :sent, sentAt = :at, confirmedAt = :at, updatedAt = :at REMOVE statusKey',
      ConditionExpression: '#status = :unconfirmed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'sent', ':unconfirmed': 'unconfirmed', ':at': at },
    });
    return confirmed ? 'confirmed' : 'not-unconfirmed';
  },

  /** Links a record to its latest resend (`once`: only if it has none yet); false when it did not. */
  async markResent(id: string, resentAs: string, mode: 'always' | 'once'): Promise<boolean> {
    return conditionalUpdate({
      Key: keys.record(id),
      UpdateExpression: 'SET resentAs = :resentAs',
      ConditionExpression: mode === 'once' ? 'attribute_exists(pk) AND attribute_not_exists(resentAs)' : 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':resentAs': resentAs },
    });
  },

  /** Ends a record without a DingTalk call, creating it if need be: skipped (robot gone or disabled) or failed before sending. */
  async close(
    record: PushRecord,
    status: 'skipped' | 'failed',
    errmsg: string,
    extra: { content?: ChannelMessage; template?: TemplateSnapshot } = {},
    now = Date.now(),
  ): Promise<boolean> {
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
    if (closed && (extra.content || extra.template)) await putContent(record.id, extra);
    return closed;
  },

  /**
   * How many records of each final status were created on each of the given UTC days (sorted, oldest
   * first). Sent records, most of them, are counted per day with COUNT queries on the time index; the
   * rare ones of the status index are read once over the whole range (their keys only) and counted here.
   */
  async countsPerDay(days: string[], statuses: PushStatus[]): Promise<Record<string, Record<string, number>>> {
    const counts: Record<string, Record<string, number>> = Object.fromEntries(
      days.map((day) => [day, Object.fromEntries(statuses.map((status) => [status, 0]))]),
    );
    const now = Math.floor(Date.now() / 1000);
    const work = statuses.flatMap((status): { status: PushStatus; partition: string; day?: string }[] => {
      if (statusesIndexed.includes(status))
        return recordIndexKeys.status(status).partitions.map((partition) => ({ status, partition, day: undefined }));
      return days.flatMap((day) => recordIndexKeys.time().partitions.map((partition) => ({ status, partition, day })));
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
async function heldItems(filter: {
  FilterExpression: string;
  ExpressionAttributeValues: Record<string, unknown>;
  ProjectionExpression?: string;
}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  await forEachConcurrently(recordIndexKeys.status('held').partitions, 8, async (partition) => {
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

export interface RecordFilter {
  keyword?: string;
  robotId?: string;
  templateId?: string;
  status?: PushStatus;
  channel?: Channel;
  eventId?: string;
  from?: string;
  to?: string;
}

/** More partitions than this to merge and a keyword list reads the time index with a filter instead. */
const maxMergedPartitions = 48;
/** Ids that still fit a filter expression (DynamoDB allows 4 KB): beyond it the stored names are matched. */
const maxOwnersInFilter = 300;

/** Robots and templates whose records a broad keyword matches. */
interface Owners {
  robotIds: string[];
  templateIds: string[];
}

/** Where a list reads: index keys, and for a broad keyword the robots and templates to keep. */
interface Sources {
  sources: IndexKey[];
  owners?: Owners;
}

/** The records of these robots and templates: their partitions, or so many that one filtered pass over the time index reads less. */
function ownedBy(robotIds: string[], templateIds: string[]): Sources {
  const sources = [...robotIds.map(recordIndexKeys.robot), ...templateIds.map(recordIndexKeys.template)];
  if (sources.reduce((sum, source) => sum + source.partitions.length, 0) <= maxMergedPartitions) return { sources };
  return { sources: [recordIndexKeys.time()], owners: { robotIds, templateIds } };
}

/** The index keys that hold every record the filter can match, as few and as narrow as possible. */
async function sourcesFor(filter: RecordFilter): Promise<Sources> {
  const { keyword, robotId, templateId, status, eventId } = filter;
  if (eventId) return { sources: [recordIndexKeys.event(eventId)] };
  if (keyword) {
    // a record matches when its robot or its template has (or had) a name containing the keyword
    const [robots, templates] = await Promise.all([idsWithNameContaining('robot', keyword), idsWithNameContaining('template', keyword)]);
    if (robotId) {
      const matches = robots.has(robotId) || (templateId !== undefined && templates.has(templateId));
      if (matches) return ownedBy([robotId], []);
      return ownedBy([], templateId ? [] : [...templates]);
    }
    if (templateId) return templates.has(templateId) ? ownedBy([], [templateId]) : ownedBy([...robots], []);
    return ownedBy([...robots], [...templates]);
  }
  if (robotId) return { sources: [recordIndexKeys.robot(robotId)] };
  if (templateId) return { sources: [recordIndexKeys.template(templateId)] };
  if (status && statusesIndexed.includes(status)) return { sources: [recordIndexKeys.status(status)] };
  return { sources: [recordIndexKeys.time()] };
}

/** What every partition of `source` is asked: the time range below the cursor and the remaining filters. */
function partitionQuery(source: IndexKey, filter: RecordFilter, before: string | undefined, owners?: Owners): PartitionQuery {
  const values: Record<string, unknown> = { ':nowSeconds': Math.floor(Date.now() / 1000) };
  const names: Record<string, string> = {};
  const conditions = ['expiresAt > :nowSeconds'];
  if (owners && owners.robotIds.length + owners.templateIds.length <= maxOwnersInFilter) {
    // IN takes at most 100 operands: larger sets become several IN clauses joined by OR
    const clauses: string[] = [];
    let n = 0;
    const addIn = (attribute: string, ids: string[]) => {
      for (let start = 0; start < ids.length; start += 100) {
        const placeholders = ids.slice(start, start + 100).map((id) => {
          const placeholder = `:o${(n++).toString(36)}`;
          values[placeholder] = id;
          return placeholder;
        });
        clauses.push(`${attribute} IN (${placeholders.join(',')})`);
      }
    };
    addIn('robotId', owners.robotIds);
    addIn('templateId', owners.templateIds);
    conditions.push(`(${clauses.join(' OR ')})`);
  } else if (owners) {
    // so broad a keyword that the ids would not fit an expression (4 KB): match the names the records
    // were pushed under (a robot renamed to a matching name later is the one case this misses)
    conditions.push('(contains(robotNameLower, :keyword) OR contains(templateNameLower, :keyword))');
    values[':keyword'] = (filter.keyword ?? '').toLowerCase();
  }
  if (filter.robotId && source.attribute !== 'robotKey') {
    conditions.push('robotId = :robotId');
    values[':robotId'] = filter.robotId;
  }
  if (filter.templateId && source.attribute !== 'templateKey') {
    conditions.push('templateId = :templateId');
    values[':templateId'] = filter.templateId;
  }
  if (filter.channel) {
    // records made before WeCom and Feishu have no channel: they are DingTalk's
    conditions.push(filter.channel === 'dingtalk' ? '(attribute_not_exists(#channel) OR #channel = :channel)' : '#channel = :channel');
    values[':channel'] = filter.channel;
    names['#channel'] = 'channel';
  }
  if (filter.status && source.attribute !== 'statusKey') {
    conditions.push('#status = :status');
    values[':status'] = filter.status;
    names['#status'] = 'status';
  }
  const upper = [before, filter.to && `${filter.to}#\uffff`].filter((bound): bound is string => Boolean(bound)).sort()[0];
  let range = '';
  if (filter.from && upper) {
    range = ' AND listSk BETWEEN :lower AND :upper';
    Object.assign(values, { ':lower': filter.from, ':upper': upper });
  } else if (filter.from) {
    range = ' AND listSk >= :lower';
    values[':lower'] = filter.from;
  } else if (upper) {
    range = ' AND listSk <= :upper';
    values[':upper'] = upper;
  }
  // BETWEEN and <= include the cursor's own item, which ended the previous page
  return {
    range,
    ...(before && { skipListSk: before }),
    FilterExpression: conditions.join(' AND '),
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    ExpressionAttributeValues: values,
  };
}

const cursorPosition = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[\w-]+$/;

function decodeTimeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'string' && cursorPosition.test(parsed.before)) return parsed.before;
  } catch {
    // not base64 JSON: refused below
  }
  throw badRequest('The cursor is not one this API issued; start again without it', [
    { path: '/cursor', message: 'is not a cursor from a previous page of this list' },
  ]);
}

/** The body as the exact text sent (the DingTalk client sends JSON.stringify of the same message). */
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
