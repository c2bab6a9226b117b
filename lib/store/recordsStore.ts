// Push records: one item per push job, moved through queued → sending → sent | failed | skipped by
// conditional writes, so a job delivered twice by SQS is sent once and a crashed attempt is taken over
// only after its lease expires.
import { BatchGetCommand, BatchWriteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PushStatus } from '../../schemas/pushRecord';
import type { DingTalkMessage } from '../dingtalk/messages';
import { dynamodb } from '../aws/clients';
import { config } from '../config';
import { indexNames, isConditionFailure, keys, listPartitions, queryPage, tableName, type Page } from './table';

export interface AttemptLogEntry {
  at: string;
  httpStatus?: number;
  errcode?: number;
  errmsg: string;
  durationMs: number;
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
  templateId: string;
  templateName: string;
  status: PushStatus;
  attempts: number;
  errcode?: number;
  errmsg?: string;
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  resendOf?: string;
  leaseUntil?: number;
  content?: DingTalkMessage;
  template?: TemplateSnapshot;
  response?: unknown;
  attemptLog: AttemptLogEntry[];
  expiresAt: number;
}

export type NewPushRecord = Pick<PushRecord, 'id' | 'eventId' | 'reportId' | 'reportName' | 'robotId' | 'robotName' | 'templateId' | 'templateName'> & {
  resendOf?: string;
};

const keyAttributes = ['pk', 'sk', 'id', 'listPk', 'listSk', 'robotKey', 'templateKey', 'statusKey', 'eventKey', 'robotNameLower', 'templateNameLower'];
const terminalStatuses: PushStatus[] = ['sent', 'failed', 'skipped'];

export function isTerminal(status: PushStatus): boolean {
  return terminalStatuses.includes(status);
}

function fromItem(item: Record<string, unknown>): PushRecord {
  const record = Object.fromEntries(Object.entries(item).filter(([name]) => !keyAttributes.includes(name) || name === 'id')) as unknown as PushRecord;
  record.attemptLog ??= [];
  return record;
}

function toItem(record: PushRecord) {
  return {
    ...keys.record(record.id),
    ...record,
    listPk: listPartitions.records,
    listSk: `${record.createdAt}#${record.id}`,
    robotKey: `ROBOT#${record.robotId}`,
    templateKey: `TEMPLATE#${record.templateId}`,
    statusKey: `STATUS#${record.status}`,
    eventKey: `EVENT#${record.eventId}`,
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

/** Which write wins against which state: only the holder of the current attempt may finish it. */
const claimable = '#status = :queued OR (#status = :sending AND leaseUntil < :now)';
const ownedAttempt = '#status = :sending AND attempts = :attempt';

export interface Outcome {
  status: 'sent' | 'failed';
  content: DingTalkMessage;
  template: TemplateSnapshot;
  entry?: AttemptLogEntry;
  errcode?: number;
  errmsg?: string;
  response?: unknown;
}

export const recordsStore = {
  /** Writes new queued records in batches of 25 (plain puts: ids are fresh or known to be absent). */
  async putQueued(records: PushRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 25) {
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [tableName]: records.slice(start, start + 25).map((record) => ({ PutRequest: { Item: toItem(record) } })),
      };
      for (let retry = 0; request && Object.keys(request).length > 0; retry++) {
        if (retry > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** retry)));
        const result = await dynamodb.send(new BatchWriteCommand({ RequestItems: request }));
        request = result.UnprocessedItems as typeof request;
      }
    }
  },

  async get(id: string): Promise<PushRecord | undefined> {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.record(id), ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  },

  async getMany(ids: string[]): Promise<Map<string, PushRecord>> {
    const found = new Map<string, PushRecord>();
    for (let start = 0; start < ids.length; start += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
        [tableName]: { Keys: ids.slice(start, start + 100).map((id) => keys.record(id)), ConsistentRead: true },
      };
      while (request && Object.keys(request).length > 0) {
        const result = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[tableName] ?? []) found.set(item.id as string, fromItem(item));
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  },

  /** Takes the record for one delivery attempt; returns the attempt number, or undefined if someone else holds it or it is done. */
  async claim(id: string, leaseMs: number): Promise<number | undefined> {
    const now = Date.now();
    try {
      const result = await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.record(id),
          UpdateExpression: 'SET #status = :sending, statusKey = :statusKey, leaseUntil = :leaseUntil, updatedAt = :updatedAt ADD attempts :one',
          ConditionExpression: `attribute_exists(pk) AND (${claimable})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':queued': 'queued',
            ':sending': 'sending',
            ':statusKey': 'STATUS#sending',
            ':now': now,
            ':leaseUntil': now + leaseMs,
            ':updatedAt': new Date(now).toISOString(),
            ':one': 1,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(result.Attributes?.attempts);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  },

  /** Ends the attempt `attempt` as sent or failed, storing exactly what was sent and how DingTalk answered. */
  async finish(id: string, attempt: number, outcome: Outcome): Promise<boolean> {
    const now = new Date().toISOString();
    return conditionalUpdate({
      Key: keys.record(id),
      UpdateExpression:
        'SET #status = :status, statusKey = :statusKey, content = :content, #template = :template, updatedAt = :now, attemptLog = list_append(if_not_exists(attemptLog, :empty), :entries)' +
        (outcome.status === 'sent' ? ', sentAt = :now' : '') +
        (outcome.errcode !== undefined ? ', errcode = :errcode' : '') +
        (outcome.errmsg !== undefined ? ', errmsg = :errmsg' : '') +
        (outcome.response !== undefined ? ', #response = :response' : '') +
        ' REMOVE leaseUntil',
      ConditionExpression: ownedAttempt,
      ExpressionAttributeNames: { '#status': 'status', '#template': 'template', ...(outcome.response !== undefined && { '#response': 'response' }) },
      ExpressionAttributeValues: {
        ':status': outcome.status,
        ':statusKey': `STATUS#${outcome.status}`,
        ':sending': 'sending',
        ':attempt': attempt,
        ':content': outcome.content,
        ':template': outcome.template,
        ':now': now,
        ':empty': [],
        ':entries': outcome.entry ? [outcome.entry] : [],
        ...(outcome.errcode !== undefined && { ':errcode': outcome.errcode }),
        ...(outcome.errmsg !== undefined && { ':errmsg': outcome.errmsg }),
        ...(outcome.response !== undefined && { ':response': outcome.response }),
      },
    });
  },

  /** Gives back an attempt that never reached DingTalk (its rate-limit slot was lost). */
  async unclaim(id: string, attempt: number): Promise<boolean> {
    return conditionalUpdate({
      Key: keys.record(id),
      UpdateExpression: 'SET #status = :queued, statusKey = :statusKey, updatedAt = :now ADD attempts :minusOne REMOVE leaseUntil',
      ConditionExpression: ownedAttempt,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':queued': 'queued', ':statusKey': 'STATUS#queued', ':sending': 'sending', ':attempt': attempt, ':now': new Date().toISOString(), ':minusOne': -1 },
    });
  },

  /** A retryable failure: log the attempt and hand the record back to the queue. */
  async release(id: string, attempt: number, entry: AttemptLogEntry): Promise<boolean> {
    return conditionalUpdate({
      Key: keys.record(id),
      UpdateExpression:
        'SET #status = :queued, statusKey = :statusKey, updatedAt = :now, errmsg = :errmsg, attemptLog = list_append(if_not_exists(attemptLog, :empty), :entries)' +
        (entry.errcode !== undefined ? ', errcode = :errcode' : '') +
        ' REMOVE leaseUntil',
      ConditionExpression: ownedAttempt,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':queued': 'queued',
        ':statusKey': 'STATUS#queued',
        ':sending': 'sending',
        ':attempt': attempt,
        ':now': new Date().toISOString(),
        ':errmsg': entry.errmsg,
        ':empty': [],
        ':entries': [entry],
        ...(entry.errcode !== undefined && { ':errcode': entry.errcode }),
      },
    });
  },

  /** Ends a record without a DingTalk call: skipped (robot gone or disabled) or failed before sending. */
  async close(id: string, status: 'skipped' | 'failed', errmsg: string, extra: { content?: DingTalkMessage; template?: TemplateSnapshot } = {}): Promise<boolean> {
    const now = Date.now();
    return conditionalUpdate({
      Key: keys.record(id),
      UpdateExpression:
        'SET #status = :status, statusKey = :statusKey, errmsg = :errmsg, updatedAt = :updatedAt' +
        (extra.content ? ', content = :content' : '') +
        (extra.template ? ', #template = :template' : '') +
        ' REMOVE leaseUntil',
      ConditionExpression: `attribute_exists(pk) AND (${claimable})`,
      ExpressionAttributeNames: { '#status': 'status', ...(extra.template && { '#template': 'template' }) },
      ExpressionAttributeValues: {
        ':status': status,
        ':statusKey': `STATUS#${status}`,
        ':errmsg': errmsg,
        ':updatedAt': new Date(now).toISOString(),
        ':queued': 'queued',
        ':sending': 'sending',
        ':now': now,
        ...(extra.content && { ':content': extra.content }),
        ...(extra.template && { ':template': extra.template }),
      },
    });
  },

  async list(filter: RecordFilter, options: { limit: number; cursor?: string }): Promise<Page<PushRecord>> {
    const { index, partition, rest } = narrowestIndex(filter);
    const conditions: string[] = ['expiresAt > :nowSeconds'];
    const values: Record<string, unknown> = { ':partition': partition.value, ':nowSeconds': Math.floor(Date.now() / 1000) };
    if (rest.robotId) (conditions.push('robotId = :robotId'), (values[':robotId'] = rest.robotId));
    if (rest.templateId) (conditions.push('templateId = :templateId'), (values[':templateId'] = rest.templateId));
    if (rest.status) (conditions.push('#status = :status'), (values[':status'] = rest.status));
    if (filter.keyword) {
      conditions.push('(contains(robotNameLower, :keyword) OR contains(templateNameLower, :keyword))');
      values[':keyword'] = filter.keyword.toLowerCase();
    }
    let range = '';
    if (filter.from && filter.to) {
      range = ' AND listSk BETWEEN :from AND :to';
      Object.assign(values, { ':from': filter.from, ':to': `${filter.to}#\uffff` });
    } else if (filter.from) {
      range = ' AND listSk >= :from';
      values[':from'] = filter.from;
    } else if (filter.to) {
      range = ' AND listSk <= :to';
      values[':to'] = `${filter.to}#\uffff`;
    }
    const page = await queryPage<Record<string, unknown>>(
      {
        IndexName: index,
        KeyConditionExpression: `${partition.attribute} = :partition${range}`,
        FilterExpression: conditions.join(' AND '),
        ...(rest.status && { ExpressionAttributeNames: { '#status': 'status' } }),
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      },
      { limit: options.limit, cursor: options.cursor, keyAttributes: ['pk', 'sk', 'listSk', partition.attribute] },
    );
    return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
  },
};

export interface RecordFilter {
  keyword?: string;
  robotId?: string;
  templateId?: string;
  status?: PushStatus;
  eventId?: string;
  from?: string;
  to?: string;
}

/** The most selective index for a filter; the other equality filters become a FilterExpression on it. */
function narrowestIndex(filter: RecordFilter): { index: string; partition: { attribute: string; value: string }; rest: Pick<RecordFilter, 'robotId' | 'templateId' | 'status'> } {
  const { eventId, robotId, templateId, status } = filter;
  if (eventId) return { index: indexNames.recordsByEvent, partition: { attribute: 'eventKey', value: `EVENT#${eventId}` }, rest: { robotId, templateId, status } };
  if (robotId) return { index: indexNames.recordsByRobot, partition: { attribute: 'robotKey', value: `ROBOT#${robotId}` }, rest: { templateId, status } };
  if (templateId) return { index: indexNames.recordsByTemplate, partition: { attribute: 'templateKey', value: `TEMPLATE#${templateId}` }, rest: { status } };
  if (status) return { index: indexNames.recordsByStatus, partition: { attribute: 'statusKey', value: `STATUS#${status}` }, rest: {} };
  return { index: indexNames.byList, partition: { attribute: 'listPk', value: listPartitions.records }, rest: {} };
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
