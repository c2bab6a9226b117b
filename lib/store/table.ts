// The one DynamoDB table and its design. Every item kind, key and index is defined here; stores build on it.
//
// item kind          pk                            sk          listPk / listSk (index byList)
// template           TEMPLATE#<id>                 TEMPLATE    TEMPLATES#<ws> / <lower name>#<id>
// template name      TEMPLATE_NAME#<ws>#<lower>    NAME        (uniqueness claim, per workspace)
// robot              ROBOT#<id>                    ROBOT       ROBOTS#<ws> / <lower name>#<id>
// robot name         ROBOT_NAME#<ws>#<lower>       NAME        (uniqueness claim, per workspace)
// subscription       SUBSCRIPTION#<ws>#<reportId>  ROBOT#<id>  (fan-out reads one partition per report, plus "*")
// report event       EVENT#<ws>#<eventId>          EVENT       (idempotency of intake, per workspace)
// push record        RECORD#<id>                   RECORD      RECORDS#<ws>#<shard> / <createdAt>#<id>
// record content     RECORD#<id>                   CONTENT     (the body sent, template snapshot)
// name ever used     NAMES#<ws>#robot|template     <lower>#<id> (keyword search of records: current and past names)
// tool delivery      DELIVERY#<ws>#<fingerprint>   DELIVERY    (a tool's retried webhook keeps its eventId)
// rate-limit state   RATE#<robotId>                RATE        (per-robot send log shared by all workers)
// workspace          WORKSPACE#<id>                WORKSPACE   WORKSPACES / <slug>
// workspace slug     WORKSPACE_SLUG#<slug>         SLUG        (uniqueness claim)
// API token          TOKEN#<id>                    TOKEN       TOKENS#<ws> / <createdAt>#<id>
// audit event        AUDIT#<ws>                    <at>#<id>   (newest first by sk; expiresAt is its TTL)
// DingTalk app       DINGTALK_APP#<id>             APP         DINGTALK_APPS#<ws> / <lower name>#<id>
// app's group        DINGTALK_GROUPS#<appId>       <openConversationId>  (found by the app's message callback)
// app's access token DINGTALK_TOKEN#<appId>        TOKEN       (sealed; shared by every worker until it nears its end)
// app's media id     DINGTALK_MEDIA#<appId>        <imageId>   (a screenshot uploaded once per app, or a claim to upload it)
//
// Every item belongs to one workspace (<ws>, and a `workspaceId` attribute): a key that a name, a report
// or an event id shares across teams carries it, and an item read by its random id is answered only in
// its own workspace (the stores' `get(workspaceId, id)`), so another workspace's id reads as absent.
// Push records also carry robotKey, templateKey, statusKey and eventKey: sparse indexes sorted by listSk,
// so every record filter is a Query on the narrowest index, never a Scan; keys that many records share
// are write-sharded (recordIndexes.ts). The content (up to 20 KB) is a separate item, so the indexes copy
// only the small summary.
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { backoff } from '../backoff';
import { sleep } from '../concurrency';
import { config } from '../config';
import { badRequest } from '../errors';

export const tableName = config.tableName;

export const indexNames = {
  byList: 'byList',
  recordsByRobot: 'recordsByRobot',
  recordsByTemplate: 'recordsByTemplate',
  recordsByStatus: 'recordsByStatus',
  recordsByEvent: 'recordsByEvent',
} as const;

export const keys = {
  template: (id: string) => ({ pk: `TEMPLATE#${id}`, sk: 'TEMPLATE' }),
  templateName: (ws: string, name: string) => ({ pk: `TEMPLATE_NAME#${ws}#${name.toLowerCase()}`, sk: 'NAME' }),
  robot: (id: string) => ({ pk: `ROBOT#${id}`, sk: 'ROBOT' }),
  robotName: (ws: string, name: string) => ({ pk: `ROBOT_NAME#${ws}#${name.toLowerCase()}`, sk: 'NAME' }),
  subscription: (ws: string, reportId: string, robotId: string) => ({ pk: `SUBSCRIPTION#${ws}#${reportId}`, sk: `ROBOT#${robotId}` }),
  event: (ws: string, eventId: string) => ({ pk: `EVENT#${ws}#${eventId}`, sk: 'EVENT' }),
  record: (id: string) => ({ pk: `RECORD#${id}`, sk: 'RECORD' }),
  recordContent: (id: string) => ({ pk: `RECORD#${id}`, sk: 'CONTENT' }),
  nameUsed: (ws: string, kind: 'robot' | 'template', name: string, id: string) => ({
    pk: `NAMES#${ws}#${kind}`,
    sk: `${name.toLowerCase()}#${id}`,
  }),
  toolDelivery: (ws: string, fingerprint: string) => ({ pk: `DELIVERY#${ws}#${fingerprint}`, sk: 'DELIVERY' }),
  rateLimit: (robotId: string) => ({ pk: `RATE#${robotId}`, sk: 'RATE' }),
  workspace: (id: string) => ({ pk: `WORKSPACE#${id}`, sk: 'WORKSPACE' }),
  workspaceSlug: (slug: string) => ({ pk: `WORKSPACE_SLUG#${slug}`, sk: 'SLUG' }),
  token: (id: string) => ({ pk: `TOKEN#${id}`, sk: 'TOKEN' }),
  audit: (ws: string, at: string, id: string) => ({ pk: `AUDIT#${ws}`, sk: `${at}#${id}` }),
  dingtalkApp: (id: string) => ({ pk: `DINGTALK_APP#${id}`, sk: 'APP' }),
  dingtalkGroup: (appId: string, openConversationId: string) => ({ pk: `DINGTALK_GROUPS#${appId}`, sk: openConversationId }),
  dingtalkToken: (appId: string) => ({ pk: `DINGTALK_TOKEN#${appId}`, sk: 'TOKEN' }),
  dingtalkMedia: (appId: string, imageId: string) => ({ pk: `DINGTALK_MEDIA#${appId}`, sk: imageId }),
};

export const listPartitions = {
  templates: (ws: string) => `TEMPLATES#${ws}`,
  robots: (ws: string) => `ROBOTS#${ws}`,
  records: (ws: string) => `RECORDS#${ws}`,
  tokens: (ws: string) => `TOKENS#${ws}`,
  dingtalkApps: (ws: string) => `DINGTALK_APPS#${ws}`,
  workspaces: 'WORKSPACES',
} as const;

/** The item when it belongs to the workspace; another workspace's item reads as absent. */
export const inWorkspace = <T extends { workspaceId?: unknown }>(item: T | undefined, workspaceId: string): T | undefined =>
  item?.workspaceId === workspaceId ? item : undefined;

/** Opaque pagination cursor: the last key of a page, base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined, expectedAttributes: string[]): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = badRequest('The cursor is not one this API issued; start again without it', [
    { path: '/cursor', message: 'is not a cursor from a previous page of this list' },
  ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid;
  const entries = Object.entries(parsed as Record<string, unknown>);
  const names = entries.map(([name]) => name).sort();
  if (names.join() !== [...expectedAttributes].sort().join() || entries.some(([, value]) => typeof value !== 'string')) {
    throw invalid;
  }
  return parsed as Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of a Query, filled up to `limit` even when a FilterExpression drops items,
 * with a cursor that resumes right after the last item returned.
 */
export async function queryPage<T extends Record<string, unknown>>(
  input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
  options: { limit: number; cursor?: string; keyAttributes: string[] },
): Promise<Page<T>> {
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined = decodeCursor(options.cursor, options.keyAttributes);
  // a cursor of another list (another workspace's) would start the Query outside its partition
  const partition = /^(\w+) = (:\w+)/.exec(input.KeyConditionExpression ?? '');
  if (startKey && partition && startKey[partition[1]] !== input.ExpressionAttributeValues?.[partition[2]])
    throw badRequest('The cursor belongs to another list; start again without it', [
      { path: '/cursor', message: 'is not a cursor from a previous page of this list' },
    ]);
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        ...input,
        TableName: tableName,
        ExclusiveStartKey: startKey,
        Limit: input.FilterExpression ? Math.max(options.limit * 4, 50) : options.limit + 1,
      }),
    );
    items.push(...((page.Items ?? []) as T[]));
    startKey = page.LastEvaluatedKey;
  } while (items.length <= options.limit && startKey);
  if (items.length <= options.limit && !startKey) return { items, nextCursor: null };
  const pageItems = items.slice(0, options.limit);
  const last = pageItems[pageItems.length - 1];
  const lastKey = Object.fromEntries(options.keyAttributes.map((name) => [name, last[name]]));
  return { items: pageItems, nextCursor: encodeCursor(lastKey) };
}

/** Reads items by key, 100 to a request, retrying what DynamoDB left unprocessed; keyed by each item's pk. */
export async function batchGetItems(itemKeys: Record<string, string>[], consistent = false): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (let start = 0; start < itemKeys.length; start += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [tableName]: { Keys: itemKeys.slice(start, start + 100), ConsistentRead: consistent },
    };
    while (request && Object.keys(request).length > 0) {
      const result = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[tableName] ?? []) found.set(item.pk as string, item);
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

/** Like batchGetItems, keyed by each item's id. */
export async function batchGetById(itemKeys: Record<string, string>[], consistent = false): Promise<Map<string, Record<string, unknown>>> {
  const items = await batchGetItems(itemKeys, consistent);
  return new Map([...items.values()].map((item) => [item.id as string, item]));
}

/** Plain puts, 25 to a request, retrying what DynamoDB left unprocessed with a growing pause. */
export async function batchPutAll(items: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [tableName]: items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: item } })),
    };
    for (let retry = 0; request && Object.keys(request).length > 0; retry++) {
      if (retry > 0) await sleep(backoff(retry + 1, 25, 1000));
      const result = await dynamodb.send(new BatchWriteCommand({ RequestItems: request }));
      request = result.UnprocessedItems as typeof request;
    }
  }
}

/** Every page of a Query, one at a time (a consumer that has enough simply stops iterating). */
export async function* queryPages(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncGenerator<QueryCommandOutput> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(new QueryCommand({ ...input, TableName: tableName, ExclusiveStartKey: startKey }));
    yield page;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction part whose failed condition the caller wants to know about, by name. */
export const checked = <Label extends string>(label: Label, part: TransactItem) => ({ label, part });

/**
 * Writes the parts in one transaction. Answers the labels of the checked parts whose condition failed
 * (empty: it was written); any other failure is thrown.
 */
export async function transactWrite<Label extends string>(
  parts: (TransactItem | { label: Label; part: TransactItem })[],
): Promise<Label[]> {
  const labels = parts.map((part) => ('label' in part ? part.label : undefined));
  try {
    await dynamodb.send(new TransactWriteCommand({ TransactItems: parts.map((part) => ('label' in part ? part.part : part)) }));
    return [];
  } catch (error) {
    // by name: a second copy of the SDK (a bundle's) would fail an instanceof
    if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
    const failed = ((error as TransactionCanceledException).CancellationReasons ?? []).flatMap((reason, index) =>
      reason.Code === 'ConditionalCheckFailed' && labels[index] !== undefined ? [labels[index]] : [],
    );
    if (failed.length === 0) throw error;
    return failed;
  }
}

/**
 * A transaction part that writes `item` over the stored one, as a Put would, but leaves the `kept` attributes
 * as stored: counters that robots ADD to while an admin edits (a Put would write back the count read before).
 * `fields` are the item's own attributes; those `item` lacks are removed.
 */
export function overwriteKeeping(
  key: Record<string, string>,
  item: Record<string, unknown>,
  fields: readonly string[],
  kept: readonly string[],
  condition: { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> },
): TransactItem {
  const attributes = [...new Set([...Object.keys(item), ...fields])].filter((name) => !(name in key) && !kept.includes(name));
  const names = Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name]));
  const set = attributes.flatMap((name, index) => (item[name] === undefined ? [] : [`#a${index} = :a${index}`]));
  const remove = attributes.flatMap((name, index) => (item[name] === undefined ? [`#a${index}`] : []));
  const values = Object.fromEntries(attributes.flatMap((name, index) => (item[name] === undefined ? [] : [[`:a${index}`, item[name]]])));
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: condition.ConditionExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...values, ...condition.ExpressionAttributeValues },
    },
  };
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * A stored item as the type it holds: the named fields only (no keys or index attributes), checked for
 * the required ones, so a damaged item fails here, naming itself, not later as an undefined deep inside.
 */
export function storedAs<T>(
  kind: string,
  item: Record<string, unknown>,
  fields: readonly string[],
  required: readonly (keyof T & string)[],
): T {
  const missing = required.filter((field) => item[field] === undefined || item[field] === null);
  if (missing.length > 0) throw new Error(`The stored ${kind} ${String(item.pk)} lacks ${missing.join(', ')}`);
  return Object.fromEntries(fields.filter((field) => item[field] !== undefined).map((field) => [field, item[field]])) as T;
}

/** Remembers that a robot or template was called `name`, so records pushed under it stay findable. */
export function nameUsedPut(ws: string, kind: 'robot' | 'template', name: string, id: string) {
  return {
    Put: { TableName: tableName, Item: { ...keys.nameUsed(ws, kind, name, id), id, nameLower: name.toLowerCase(), workspaceId: ws } },
  };
}
