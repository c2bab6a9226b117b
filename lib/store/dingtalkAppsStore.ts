// DingTalk apps (their secret sealed), listed per workspace, the groups each app's robot was found in, the
// access token its workers share and the media ids of the screenshots it uploaded.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import type { AuditEvent } from '../audit/auditEvent';
import type { DingTalkApp, DingTalkGroup } from '../domain/dingtalkApp';
import { open, seal } from '../secrets/secretBox';
import { auditPut } from './auditStore';
import {
  checked,
  inWorkspace,
  isConditionFailure,
  keys,
  listPartitions,
  overwriteKeeping,
  queryPage,
  queryPages,
  storedAs,
  tableName,
  transactWrite,
  type Page,
} from './table';

/** An app's access token as DingTalk gave it, and when it ends (ms). */
export interface AppAccessToken {
  accessToken: string;
  expiresAt: number;
}

const appFields = [
  'id',
  'workspaceId',
  'name',
  'appKey',
  'appSecret',
  'robotCode',
  'robotCount',
  'version',
  'createdAt',
  'updatedAt',
] as const;
const fromItem = (item: Record<string, unknown>) =>
  storedAs<DingTalkApp>(
    'DingTalk app',
    item,
    appFields,
    appFields.filter((field) => field !== 'robotCount'),
  );

async function toItem(app: DingTalkApp) {
  return {
    ...keys.dingtalkApp(app.id),
    listPk: listPartitions.dingtalkApps(app.workspaceId),
    listSk: `${app.name.toLowerCase()}#${app.id}`,
    ...app,
    appSecret: await seal(app.appSecret),
  };
}

/** Transaction parts robots use to keep an app's robotCount true (an app in use cannot be deleted). */
export const appUsage = {
  /** Fails when the app is not in the robot's workspace. */
  increment: (workspaceId: string, appId: string) => ({
    Update: {
      TableName: tableName,
      Key: keys.dingtalkApp(appId),
      UpdateExpression: 'ADD robotCount :one',
      ConditionExpression: 'attribute_exists(pk) AND workspaceId = :workspaceId',
      ExpressionAttributeValues: { ':one': 1, ':workspaceId': workspaceId },
    },
  }),
  decrement: (appId: string) => ({
    Update: {
      TableName: tableName,
      Key: keys.dingtalkApp(appId),
      UpdateExpression: 'ADD robotCount :minusOne',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':minusOne': -1 },
    },
  }),
};

export const dingtalkAppsStore = {
  /** Any workspace's app: the callback route knows only the app's id, and checks DingTalk's signature with it. */
  async read(id: string): Promise<DingTalkApp | undefined> {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.dingtalkApp(id), ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  },

  async getIn(workspaceId: string, id: string): Promise<DingTalkApp | undefined> {
    return inWorkspace(await dingtalkAppsStore.read(id), workspaceId);
  },

  async list(workspaceId: string, options: { limit: number; cursor?: string }): Promise<Page<DingTalkApp>> {
    const page = await queryPage(
      {
        IndexName: 'byList',
        KeyConditionExpression: 'listPk = :partition',
        ExpressionAttributeValues: { ':partition': listPartitions.dingtalkApps(workspaceId) },
      },
      { limit: options.limit, cursor: options.cursor, keyAttributes: ['pk', 'sk', 'listPk', 'listSk'] },
    );
    return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
  },

  async create(app: DingTalkApp, audit: AuditEvent): Promise<DingTalkApp> {
    const item = await toItem(app);
    await transactWrite([{ Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, auditPut(audit)]);
    return fromItem(item);
  },

  /** false: it changed since it was read. */
  async replace(previous: DingTalkApp, next: DingTalkApp, audit: AuditEvent): Promise<DingTalkApp | undefined> {
    const item = await toItem(next);
    const refused = await transactWrite([
      checked(
        'changed',
        overwriteKeeping(keys.dingtalkApp(next.id), item, appFields, ['robotCount'], {
          ConditionExpression: 'attribute_exists(pk) AND version = :version',
          ExpressionAttributeValues: { ':version': previous.version },
        }),
      ),
      auditPut(audit),
    ]);
    return refused.length === 0 ? fromItem(item) : undefined;
  },

  /** Deletes the app unless robots use it (or it changed since it was read): false then. */
  async delete(app: DingTalkApp, audit: AuditEvent): Promise<boolean> {
    const refused = await transactWrite([
      checked('in-use', {
        Delete: {
          TableName: tableName,
          Key: keys.dingtalkApp(app.id),
          ConditionExpression: 'version = :version AND (attribute_not_exists(robotCount) OR robotCount = :zero)',
          ExpressionAttributeValues: { ':version': app.version, ':zero': 0 },
        },
      }),
      auditPut(audit),
    ]);
    return refused.length === 0;
  },

  async robotCount(id: string): Promise<number> {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.dingtalkApp(id), ConsistentRead: true }));
    return Number(Item?.robotCount ?? 0);
  },

  /** The robot was found in the group (again): its title and when, kept with the app. */
  async sawGroup(app: DingTalkApp, group: DingTalkGroup): Promise<void> {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.dingtalkGroup(app.id, group.openConversationId), workspaceId: app.workspaceId, ...group },
      }),
    );
  },

  async groups(app: DingTalkApp): Promise<DingTalkGroup[]> {
    const groups: DingTalkGroup[] = [];
    for await (const page of queryPages({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.dingtalkGroup(app.id, '').pk },
    }))
      groups.push(
        ...(page.Items ?? []).map((item) =>
          storedAs<DingTalkGroup>(
            'group',
            item,
            ['openConversationId', 'title', 'lastSeenAt'],
            ['openConversationId', 'title', 'lastSeenAt'],
          ),
        ),
      );
    return groups.sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  },

  /** The access token every worker of the app shares, if one was fetched. */
  async sharedToken(appId: string): Promise<AppAccessToken | undefined> {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.dingtalkToken(appId), ConsistentRead: true }));
    return Item && { accessToken: await open(String(Item.accessToken)), expiresAt: Number(Item.expiresAt) };
  },

  async keepToken(appId: string, token: AppAccessToken, fetchedAt: number): Promise<void> {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.dingtalkToken(appId), accessToken: await seal(token.accessToken), expiresAt: token.expiresAt, fetchedAt },
      }),
    );
  },

  /** The media id DingTalk gave the app for the screenshot, once uploaded. */
  async mediaId(appId: string, imageId: string): Promise<string | undefined> {
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.dingtalkMedia(appId, imageId), ConsistentRead: true }),
    );
    return Item?.mediaId as string | undefined;
  },

  /** Claims the screenshot's upload for the app: false when it is uploaded, or another worker claimed it in the last 30 s. */
  async claimUpload(app: DingTalkApp, imageId: string, now: number): Promise<boolean> {
    try {
      await dynamodb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.dingtalkMedia(app.id, imageId), workspaceId: app.workspaceId, claimedAt: now },
          ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(mediaId) AND claimedAt < :stale)',
          ExpressionAttributeValues: { ':stale': now - 30_000 },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },

  async keepMediaId(app: DingTalkApp, imageId: string, mediaId: string): Promise<void> {
    await dynamodb.send(
      new PutCommand({ TableName: tableName, Item: { ...keys.dingtalkMedia(app.id, imageId), workspaceId: app.workspaceId, mediaId } }),
    );
  },
};
