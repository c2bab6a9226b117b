// Robots in DynamoDB, with their name claims, template usage counts and per-report subscription items,
// all changed together in one transaction so fan-out never sees a half-saved robot.
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import type { AuditEvent } from '../audit/auditEvent';
import { auditPut } from './auditStore';
import type { Channel } from '../channels';
import type { Robot } from '../domain/robot';
import {
  batchGetById,
  checked,
  inWorkspace,
  indexNames,
  isConditionFailure,
  keys,
  listPartitions,
  nameUsedPut,
  overwriteKeeping,
  queryPage,
  queryPages,
  storedAs,
  tableName,
  transactWrite,
  type Page,
} from './table';
import { namesChanged } from './namesStore';
import { templateUsage } from './templatesStore';
import { appUsage } from './dingtalkAppsStore';
import { maskWebhookUrl } from '../redact';
import { isSealed, seal } from '../secrets/secretBox';

/** A report's subscribers live in its own partition and in "*" (robots that take every report). */
const subscriptionPartitions = (reportId: string) => (reportId === '*' ? ['*'] : [reportId, '*']);

/** The Query for one subscription partition's enabled robots. */
const enabledSubscribersOf = (workspaceId: string, partition: string) => ({
  KeyConditionExpression: 'pk = :pk',
  FilterExpression: 'enabled = :enabled',
  ExpressionAttributeValues: { ':pk': keys.subscription(workspaceId, partition, '').pk, ':enabled': true },
});

/** Where a page of subscribers starts: which partition (the report's, then "*") and after which key. */
export interface SubscriberPosition {
  partition: number;
  after?: { pk: string; sk: string };
}

export interface Subscriber {
  robotId: string;
  robotName: string;
  templateId: string;
}

const robotFields = [
  'id',
  'workspaceId',
  'name',
  'channel',
  'webhookUrl',
  'app',
  'webhookUrlMasked',
  'secret',
  'pool',
  'templateId',
  'reports',
  'keywords',
  'mention',
  'enabled',
  'digest',
  'quietHours',
  'onUncertain',
  'disabledReason',
  'disabledAutomatically',
  'consecutiveFailures',
  'version',
  'createdAt',
  'updatedAt',
] as const;

export function robotFromItem(item: Record<string, unknown>): Robot {
  const robot = storedAs<Robot>('robot', item, robotFields, [
    'id',
    'workspaceId',
    'name',
    'templateId',
    'reports',
    'keywords',
    'enabled',
    'version',
    'createdAt',
    'updatedAt',
  ]);
  // robots stored before `channel`, `onUncertain` and `consecutiveFailures` get them from scripts/migrate-table.ts
  return robot;
}

/** A webhook as stored: its credentials sealed (values read from the table already are), its URL's mask beside them. */
async function sealedWebhook<T extends { webhookUrl: string; webhookUrlMasked?: string; secret?: string }>(webhook: T): Promise<T> {
  const webhookUrlMasked = isSealed(webhook.webhookUrl) ? webhook.webhookUrlMasked : maskWebhookUrl(webhook.webhookUrl);
  return {
    ...webhook,
    webhookUrl: await seal(webhook.webhookUrl),
    ...(webhookUrlMasked && { webhookUrlMasked }),
    ...(webhook.secret && { secret: await seal(webhook.secret) }),
  };
}

async function sealed({ pool, ...robot }: Robot): Promise<Robot> {
  // an app robot has no webhook: its app's secret is sealed with the app
  const own = robot.webhookUrl === undefined ? robot : await sealedWebhook({ ...robot, webhookUrl: robot.webhookUrl });
  return { ...own, ...(pool?.length ? { pool: await Promise.all(pool.map(sealedWebhook)) } : {}) };
}

function toItem(robot: Robot) {
  return {
    ...keys.robot(robot.id),
    listPk: listPartitions.robots(robot.workspaceId),
    listSk: `${robot.name.toLowerCase()}#${robot.id}`,
    nameLower: robot.name.toLowerCase(),
    ...robot,
  };
}

function subscriptionPuts(robot: Robot) {
  return robot.reports.map((reportId) => ({
    Put: {
      TableName: tableName,
      Item: {
        ...keys.subscription(robot.workspaceId, reportId, robot.id),
        workspaceId: robot.workspaceId,
        robotId: robot.id,
        robotName: robot.name,
        templateId: robot.templateId,
        enabled: robot.enabled,
      },
    },
  }));
}

function subscriptionDeletes(robot: Robot, reportIds: string[]) {
  return reportIds.map((reportId) => ({ Delete: { TableName: tableName, Key: keys.subscription(robot.workspaceId, reportId, robot.id) } }));
}

async function readItem(id: string) {
  return (await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.robot(id), ConsistentRead: true }))).Item;
}

/** Why the store did not write: another robot has the name, the template is gone, or the robot changed since it was read. */
export type RobotRefusal = 'name-taken' | 'unknown-template' | 'unknown-app' | 'changed';
export type RobotWrite = { stored: Robot } | { refused: RobotRefusal };

const nameClaim = (robot: Robot) =>
  checked('name-taken', {
    Put: {
      TableName: tableName,
      Item: { ...keys.robotName(robot.workspaceId, robot.name), id: robot.id, workspaceId: robot.workspaceId },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });

export const robotsStore = {
  /** Stores a new robot; answers it as stored (credentials sealed, the URL's mask beside them). */
  async create(robot: Robot, audit: AuditEvent): Promise<RobotWrite> {
    const stored = await sealed(robot);
    const [refused] = await transactWrite<RobotRefusal>([
      nameClaim(robot),
      checked('unknown-template', templateUsage.increment(robot.workspaceId, robot.templateId)),
      ...(robot.app ? [checked('unknown-app', appUsage.increment(robot.workspaceId, robot.app.appId))] : []),
      { Put: { TableName: tableName, Item: toItem(stored), ConditionExpression: 'attribute_not_exists(pk)' } },
      nameUsedPut(robot.workspaceId, 'robot', robot.name, robot.id),
      ...subscriptionPuts(robot),
      auditPut(audit),
    ]);
    if (refused) return { refused };
    namesChanged(robot.workspaceId, 'robot');
    return { stored };
  },

  /** The robot in any workspace: for the worker, which acts on jobs, never on a caller's ids. */
  async get(id: string): Promise<Robot | undefined> {
    const item = await readItem(id);
    return item ? robotFromItem(item) : undefined;
  },

  /** The robot if it belongs to the workspace. */
  async getIn(workspaceId: string, id: string): Promise<Robot | undefined> {
    const item = inWorkspace(await readItem(id), workspaceId);
    return item ? robotFromItem(item) : undefined;
  },

  /** The workspace's robots among these ids. */
  async getMany(workspaceId: string, ids: string[]): Promise<Map<string, Robot>> {
    const items = await batchGetById([...new Set(ids)].map((id) => keys.robot(id)));
    return new Map([...items].filter(([, item]) => item.workspaceId === workspaceId).map(([id, item]) => [id, robotFromItem(item)]));
  },

  async list(
    workspaceId: string,
    options: { keyword?: string; enabled?: boolean; channel?: Channel; limit: number; cursor?: string },
  ): Promise<Page<Robot>> {
    const keyword = options.keyword?.toLowerCase();
    const filters = [
      keyword ? 'contains(nameLower, :keyword)' : '',
      options.enabled === undefined ? '' : 'enabled = :enabled',
      options.channel ? '#channel = :channel' : '',
    ].filter(Boolean);
    const page = await queryPage(
      {
        IndexName: indexNames.byList,
        KeyConditionExpression: 'listPk = :partition',
        ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
        ...(options.channel && { ExpressionAttributeNames: { '#channel': 'channel' } }),
        ExpressionAttributeValues: {
          ':partition': listPartitions.robots(workspaceId),
          ...(keyword && { ':keyword': keyword }),
          ...(options.enabled !== undefined && { ':enabled': options.enabled }),
          ...(options.channel && { ':channel': options.channel }),
        },
      },
      { limit: options.limit, cursor: options.cursor, keyAttributes: ['pk', 'sk', 'listPk', 'listSk'] },
    );
    return { items: page.items.map(robotFromItem), nextCursor: page.nextCursor };
  },

  /**
   * Saves `next` over `previous` (optimistic on version), moving name claim, template count and subscriptions;
   * answers it as stored.
   */
  async replace(previous: Robot, next: Robot, audit: AuditEvent): Promise<RobotWrite> {
    const stored = await sealed(next);
    const renamed = previous.name.toLowerCase() !== next.name.toLowerCase();
    const templateChanged = previous.templateId !== next.templateId;
    const droppedReports = previous.reports.filter((reportId) => !next.reports.includes(reportId));
    // the worker ADDs to the failure streak without a new version: keep its count unless this change resets it
    const kept = next.consecutiveFailures === previous.consecutiveFailures ? ['consecutiveFailures'] : [];
    const [refused] = await transactWrite<RobotRefusal>([
      checked(
        'changed',
        overwriteKeeping(keys.robot(next.id), toItem(stored), robotFields, kept, {
          ConditionExpression: 'attribute_exists(pk) AND version = :version',
          ExpressionAttributeValues: { ':version': previous.version },
        }),
      ),
      ...(renamed
        ? [
            nameClaim(next),
            { Delete: { TableName: tableName, Key: keys.robotName(previous.workspaceId, previous.name) } },
            nameUsedPut(next.workspaceId, 'robot', next.name, next.id),
          ]
        : []),
      ...(templateChanged
        ? [
            checked('unknown-template', templateUsage.increment(next.workspaceId, next.templateId)),
            templateUsage.decrement(previous.templateId),
          ]
        : []),
      ...(previous.app?.appId !== next.app?.appId
        ? [
            ...(next.app ? [checked('unknown-app', appUsage.increment(next.workspaceId, next.app.appId))] : []),
            ...(previous.app ? [appUsage.decrement(previous.app.appId)] : []),
          ]
        : []),
      ...subscriptionDeletes(previous, droppedReports),
      ...subscriptionPuts(next),
      auditPut(audit),
    ]);
    if (refused) return { refused };
    if (renamed) namesChanged(next.workspaceId, 'robot');
    return { stored };
  },

  /** Deletes the robot if it is still at `robot.version`; false when it changed since it was read. */
  async delete(robot: Robot, audit: AuditEvent): Promise<boolean> {
    const refused = await transactWrite([
      checked('changed', {
        Delete: {
          TableName: tableName,
          Key: keys.robot(robot.id),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': robot.version },
        },
      }),
      { Delete: { TableName: tableName, Key: keys.robotName(robot.workspaceId, robot.name) } },
      templateUsage.decrement(robot.templateId),
      ...(robot.app ? [appUsage.decrement(robot.app.appId)] : []),
      ...subscriptionDeletes(robot, robot.reports),
      auditPut(audit),
    ]);
    return refused.length === 0;
  },

  /**
   * One page of a report's enabled subscribers (its own partition, then the "*" one), and where the next
   * page starts. The position is plain data, so a fan-out can hand the rest to another worker.
   */
  async subscribersPage(
    workspaceId: string,
    reportId: string,
    from: SubscriberPosition | undefined,
    limit: number,
  ): Promise<{ subscribers: Subscriber[]; next?: SubscriberPosition }> {
    const partitions = subscriptionPartitions(reportId);
    let position = from ?? { partition: 0 };
    const subscribers: Subscriber[] = [];
    while (position.partition < partitions.length && subscribers.length < limit) {
      const page = await dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          ...enabledSubscribersOf(workspaceId, partitions[position.partition]),
          ExclusiveStartKey: position.after,
          Limit: limit - subscribers.length,
        }),
      );
      subscribers.push(
        ...(page.Items ?? []).map(
          (item) => ({ robotId: item.robotId, robotName: item.robotName, templateId: item.templateId }) as Subscriber,
        ),
      );
      position = page.LastEvaluatedKey
        ? { partition: position.partition, after: page.LastEvaluatedKey as SubscriberPosition['after'] }
        : { partition: position.partition + 1 };
    }
    return { subscribers, ...(position.partition < partitions.length && { next: position }) };
  },

  /** How many enabled robots subscribe to the report (a COUNT query: nothing is read out). */
  async countSubscribers(workspaceId: string, reportId: string): Promise<number> {
    let total = 0;
    for (const partition of subscriptionPartitions(reportId)) {
      const pages = queryPages({ ...enabledSubscribersOf(workspaceId, partition), Select: 'COUNT' });
      for await (const page of pages) total += page.Count ?? 0;
    }
    return total;
  },

  /** Counts a permanent failure; returns the new streak length. */
  async recordPermanentFailure(id: string): Promise<number> {
    try {
      const result = await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.robot(id),
          UpdateExpression: 'ADD consecutiveFailures :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(result.Attributes?.consecutiveFailures ?? 0);
    } catch (error) {
      if (isConditionFailure(error)) return 0;
      throw error;
    }
  },

  async clearFailureStreak(id: string): Promise<void> {
    try {
      await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.robot(id),
          UpdateExpression: 'SET consecutiveFailures = :zero',
          ConditionExpression: 'attribute_exists(pk) AND consecutiveFailures > :zero',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  },
};
