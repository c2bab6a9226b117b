// Workspaces, their unique slugs, and the transaction parts that write a change with its audit event.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import type { AuditEvent } from '../audit/auditEvent';
import { builtInDefaultWorkspace, defaultWorkspaceId, type Workspace } from '../domain/workspace';
import { auditPut } from './auditStore';
import { checked, keys, listPartitions, queryPage, queryPages, storedAs, tableName, transactWrite, type Page } from './table';

const fromItem = (item: Record<string, unknown>) =>
  storedAs<Workspace>('workspace', item, ['id', 'slug', 'name', 'createdAt', 'updatedAt'], ['id', 'slug', 'name', 'createdAt']);

const toItem = (workspace: Workspace) => ({
  ...keys.workspace(workspace.id),
  listPk: listPartitions.workspaces,
  listSk: workspace.slug,
  ...workspace,
});

async function read(key: { pk: string; sk: string }) {
  return (await dynamodb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

export const workspacesStore = {
  /** The workspace with this id; the default one exists before anyone stores it. */
  async get(id: string): Promise<Workspace | undefined> {
    const item = await read(keys.workspace(id));
    if (item) return fromItem(item);
    return id === defaultWorkspaceId ? builtInDefaultWorkspace : undefined;
  },

  /** By id or by slug. */
  async find(idOrSlug: string): Promise<Workspace | undefined> {
    const byId = await workspacesStore.get(idOrSlug);
    if (byId) return byId;
    const claim = await read(keys.workspaceSlug(idOrSlug));
    return claim ? workspacesStore.get(claim.id as string) : undefined;
  },

  async list(options: { limit: number; cursor?: string }): Promise<Page<Workspace>> {
    const page = await queryPage(
      {
        IndexName: 'byList',
        KeyConditionExpression: 'listPk = :partition',
        ExpressionAttributeValues: { ':partition': listPartitions.workspaces },
      },
      { limit: options.limit, cursor: options.cursor, keyAttributes: ['pk', 'sk', 'listPk', 'listSk'] },
    );
    const items = page.items.map(fromItem);
    // the default workspace is listed first, stored or not
    if (options.cursor === undefined && !items.some((workspace) => workspace.id === defaultWorkspaceId))
      items.unshift(builtInDefaultWorkspace);
    return { items, nextCursor: page.nextCursor };
  },

  /** Every workspace's id, the default one first: what the sweeper goes through. */
  async allIds(): Promise<string[]> {
    const ids = [defaultWorkspaceId];
    for await (const page of queryPages({
      IndexName: 'byList',
      KeyConditionExpression: 'listPk = :partition',
      ExpressionAttributeValues: { ':partition': listPartitions.workspaces },
      ProjectionExpression: 'id',
    }))
      ids.push(...(page.Items ?? []).map((item) => item.id as string).filter((id) => id !== defaultWorkspaceId));
    return ids;
  },

  /** false: the slug is taken. */
  async create(workspace: Workspace, audit: AuditEvent): Promise<boolean> {
    const refused = await transactWrite([
      checked('slug-taken', {
        Put: {
          TableName: tableName,
          Item: { ...keys.workspaceSlug(workspace.slug), id: workspace.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      }),
      { Put: { TableName: tableName, Item: toItem(workspace), ConditionExpression: 'attribute_not_exists(pk)' } },
      auditPut(audit),
    ]);
    return refused.length === 0;
  },

  /** Stores the renamed workspace (the default one is stored by its first rename). */
  async rename(previous: Workspace, next: Workspace, audit: AuditEvent): Promise<boolean> {
    const refused = await transactWrite([
      checked('changed', {
        Put: {
          TableName: tableName,
          Item: toItem(next),
          ConditionExpression: previous.updatedAt ? 'updatedAt = :updatedAt' : 'attribute_not_exists(updatedAt)',
          ...(previous.updatedAt && { ExpressionAttributeValues: { ':updatedAt': previous.updatedAt } }),
        },
      }),
      auditPut(audit),
    ]);
    return refused.length === 0;
  },
};
