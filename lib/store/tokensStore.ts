// Managed API tokens: one item per token (its digest, never the token), listed per workspace by creation time.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import type { AuditEvent } from '../audit/auditEvent';
import type { ApiToken } from '../domain/apiToken';
import { auditPut } from './auditStore';
import {
  checked,
  inWorkspace,
  isConditionFailure,
  keys,
  listPartitions,
  queryPage,
  storedAs,
  tableName,
  transactWrite,
  type Page,
} from './table';

const tokenFields = [
  'id',
  'workspaceId',
  'name',
  'role',
  'prefix',
  'digest',
  'createdAt',
  'expiresAt',
  'lastUsedAt',
  'revokedAt',
  'createdBy',
  'rotatedFrom',
] as const;

const optional = ['lastUsedAt', 'revokedAt', 'rotatedFrom'];
const fromItem = (item: Record<string, unknown>) =>
  storedAs<ApiToken>(
    'token',
    item,
    tokenFields,
    tokenFields.filter((field) => !optional.includes(field)),
  );

const toItem = (token: ApiToken) => ({
  ...keys.token(token.id),
  listPk: listPartitions.tokens(token.workspaceId),
  listSk: `${token.createdAt}#${token.id}`,
  ...token,
});

const newTokenPut = (token: ApiToken) => ({
  Put: { TableName: tableName, Item: toItem(token), ConditionExpression: 'attribute_not_exists(pk)' },
});

export const tokensStore = {
  /** Any workspace's token: what the authorizer reads (one strongly consistent read, so a revoke counts at once). */
  async read(id: string): Promise<ApiToken | undefined> {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.token(id), ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  },

  async get(workspaceId: string, id: string): Promise<ApiToken | undefined> {
    return inWorkspace(await tokensStore.read(id), workspaceId);
  },

  async list(workspaceId: string, options: { limit: number; cursor?: string }): Promise<Page<ApiToken>> {
    const page = await queryPage(
      {
        IndexName: 'byList',
        KeyConditionExpression: 'listPk = :partition',
        ExpressionAttributeValues: { ':partition': listPartitions.tokens(workspaceId) },
        ScanIndexForward: false,
      },
      { limit: options.limit, cursor: options.cursor, keyAttributes: ['pk', 'sk', 'listPk', 'listSk'] },
    );
    return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
  },

  async create(token: ApiToken, audit: AuditEvent): Promise<void> {
    await transactWrite([newTokenPut(token), auditPut(audit)]);
  },

  /** Sets when the token stops working, unless it stopped already; false when it had. */
  async revoke(token: ApiToken, revokedAt: string, audit: AuditEvent, successor?: ApiToken): Promise<boolean> {
    const refused = await transactWrite([
      checked('revoked', {
        Update: {
          TableName: tableName,
          Key: keys.token(token.id),
          UpdateExpression: 'SET revokedAt = :revokedAt',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt > :revokedAt)',
          ExpressionAttributeValues: { ':revokedAt': revokedAt },
        },
      }),
      ...(successor ? [newTokenPut(successor)] : []),
      auditPut(audit),
    ]);
    return refused.length === 0;
  },

  /** Records a use, at most once a minute per token: a write only when the last one is older (or absent). */
  async touch(id: string, now: number): Promise<void> {
    try {
      await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.token(id),
          UpdateExpression: 'SET lastUsedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :minuteAgo)',
          ExpressionAttributeValues: { ':now': new Date(now).toISOString(), ':minuteAgo': new Date(now - 60_000).toISOString() },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  },
};
