// The index keys of push records, and the one way to read an index newest first.
//
// A DynamoDB partition takes about 1,000 writes per second, and a sort key that grows with time is the
// case its split-for-heat cannot spread. Every index key that many records share at once (all of them
// for time, one template's, one event's, one status's) is therefore split into `recordShards` partitions
// by a hash of the record id; a read queries a value's shards in parallel and merges them by listSk.
// A robot's records stay in one partition: a chat service lets a robot send 20 (Feishu: 100) a minute.
import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PushStatus } from '../../schemas/pushRecord';
import { dynamodb } from '../aws/clients';
import { forEachConcurrently } from '../concurrency';
import { indexNames, listPartitions, tableName } from './table';

/** Partitions per shared key: the busiest then takes 1/16 of the writes (see bench/partitionHeat.ts). */
export const recordShards = 16;

export type RecordIndexAttribute = 'listPk' | 'robotKey' | 'templateKey' | 'statusKey' | 'eventKey';

/** One logical index key (for example one template's records): the partitions that hold it. */
export interface IndexKey {
  index: string;
  attribute: RecordIndexAttribute;
  partitions: string[];
}

/** Statuses an admin filters by: the status index holds only these (sent records are read by time). */
export const statusesIndexed: readonly PushStatus[] = ['queued', 'held', 'failed', 'skipped', 'unconfirmed'];

export function shardOf(recordId: string): number {
  return createHash('sha256').update(recordId).digest().readUInt32BE(0) % recordShards;
}

const sharded = (value: string, recordId: string) => `${value}#${shardOf(recordId).toString().padStart(2, '0')}`;
const everyShard = (value: string) => Array.from({ length: recordShards }, (_, shard) => `${value}#${shard.toString().padStart(2, '0')}`);

// every value carries the workspace, so a read of one never meets another's records
const values = {
  time: (ws: string) => listPartitions.records(ws),
  robot: (ws: string, robotId: string) => `ROBOT#${ws}#${robotId}`,
  template: (ws: string, templateId: string) => `TEMPLATE#${ws}#${templateId}`,
  status: (ws: string, status: PushStatus) => `STATUS#${ws}#${status}`,
  event: (ws: string, eventId: string) => `EVENT#${ws}#${eventId}`,
};

/** The index attributes of one record (statusKey only while its status is one the status index holds). */
export function recordIndexAttributes(record: {
  id: string;
  workspaceId: string;
  robotId: string;
  templateId: string;
  eventId: string;
  status: PushStatus;
}) {
  const ws = record.workspaceId;
  return {
    listPk: sharded(values.time(ws), record.id),
    robotKey: values.robot(ws, record.robotId),
    templateKey: sharded(values.template(ws, record.templateId), record.id),
    eventKey: sharded(values.event(ws, record.eventId), record.id),
    ...(statusesIndexed.includes(record.status) && { statusKey: sharded(values.status(ws, record.status), record.id) }),
  };
}

export const recordIndexKeys = {
  time: (ws: string): IndexKey => ({ index: indexNames.byList, attribute: 'listPk', partitions: everyShard(values.time(ws)) }),
  robot: (ws: string, robotId: string): IndexKey => ({
    index: indexNames.recordsByRobot,
    attribute: 'robotKey',
    partitions: [values.robot(ws, robotId)],
  }),
  template: (ws: string, templateId: string): IndexKey => ({
    index: indexNames.recordsByTemplate,
    attribute: 'templateKey',
    partitions: everyShard(values.template(ws, templateId)),
  }),
  status: (ws: string, status: PushStatus): IndexKey => ({
    index: indexNames.recordsByStatus,
    attribute: 'statusKey',
    partitions: everyShard(values.status(ws, status)),
  }),
  event: (ws: string, eventId: string): IndexKey => ({
    index: indexNames.recordsByEvent,
    attribute: 'eventKey',
    partitions: everyShard(values.event(ws, eventId)),
  }),
};

/** What a read asks of every partition besides its key: a listSk range, a filter, their values. */
export interface PartitionQuery {
  /** Appended to the partition's key condition, e.g. ` AND listSk <= :upper`. */
  range?: string;
  /** An item the range includes but the read leaves out. */
  skipListSk?: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * Up to `wanted` items of the given index keys, newest first by listSk, each item once. Each partition is
 * read lazily in small pages, so a page of 50 over 16 partitions reads about 50 items, not 16 x 50.
 */
export async function readNewestFirst(
  keys: IndexKey[],
  query: (key: IndexKey) => PartitionQuery,
  wanted: number,
): Promise<Record<string, unknown>[]> {
  const partitionCount = keys.reduce((sum, key) => sum + key.partitions.length, 0);
  const firstPage = Math.max(5, Math.ceil((wanted + 1) / Math.max(1, partitionCount)) + 2);
  const streams = keys.flatMap((key) =>
    key.partitions.map((partition) => new PartitionStream(key, partition, query(key), firstPage, wanted + 1)),
  );
  const seen = new Set<string>();
  const items: Record<string, unknown>[] = [];
  while (items.length < wanted) {
    await forEachConcurrently(
      streams.filter((stream) => stream.needsFill()),
      16,
      (stream) => stream.fill(),
    );
    let newest: PartitionStream | undefined;
    for (const stream of streams) {
      const head = stream.head();
      if (head && (!newest || String(head.listSk) > String(newest.head()!.listSk))) newest = stream;
    }
    if (!newest) break;
    const item = newest.take();
    if (!seen.has(item.id as string)) {
      seen.add(item.id as string);
      items.push(item);
    }
  }
  return items;
}

/** One partition read newest first, a page at a time; pages double up to the whole list's size. */
class PartitionStream {
  private buffer: Record<string, unknown>[] = [];
  private startKey: Record<string, unknown> | undefined;
  private done = false;

  constructor(
    private readonly key: IndexKey,
    private readonly partition: string,
    private readonly query: PartitionQuery,
    private limit: number,
    private readonly largestPage: number,
  ) {}

  needsFill(): boolean {
    return !this.done && this.buffer.length === 0;
  }

  head(): Record<string, unknown> | undefined {
    return this.buffer[0];
  }

  take(): Record<string, unknown> {
    return this.buffer.shift()!;
  }

  /** Reads pages until one yields an item (a filter may drop a whole page) or the partition ends. */
  async fill(): Promise<void> {
    while (this.buffer.length === 0 && !this.done) {
      const page = await dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: this.key.index,
          KeyConditionExpression: `${this.key.attribute} = :partition${this.query.range ?? ''}`,
          ...(this.query.FilterExpression && { FilterExpression: this.query.FilterExpression }),
          ...(this.query.ExpressionAttributeNames && { ExpressionAttributeNames: this.query.ExpressionAttributeNames }),
          ExpressionAttributeValues: { ...this.query.ExpressionAttributeValues, ':partition': this.partition },
          ScanIndexForward: false,
          Limit: this.limit,
          ExclusiveStartKey: this.startKey,
        }),
      );
      this.buffer.push(...(page.Items ?? []).filter((item) => item.listSk !== this.query.skipListSk));
      this.startKey = page.LastEvaluatedKey;
      this.done = !this.startKey;
      this.limit = Math.min(this.limit * 2, this.largestPage);
    }
  }
}
