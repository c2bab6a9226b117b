// Templates in DynamoDB: unique names through claim items, a robot count that guards deletion, versions.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import type { AuditEvent } from '../audit/auditEvent';
import { auditPut } from './auditStore';
import type { Template } from '../domain/template';
import { namesChanged } from './namesStore';
import {
  batchGetById,
  checked,
  inWorkspace,
  indexNames,
  keys,
  listPartitions,
  nameUsedPut,
  overwriteKeeping,
  queryPage,
  storedAs,
  tableName,
  transactWrite,
  type Page,
} from './table';

const templateFields = [
  'id',
  'workspaceId',
  'name',
  'msgType',
  'title',
  'text',
  'messageUrl',
  'picUrl',
  'buttons',
  'btnOrientation',
  'links',
  'digest',
  'channels',
  'version',
  'robotCount',
  'createdAt',
  'updatedAt',
] as const;

export function templateFromItem(item: Record<string, unknown>): Template {
  return storedAs<Template>('template', item, templateFields, [
    'id',
    'workspaceId',
    'name',
    'msgType',
    'version',
    'robotCount',
    'createdAt',
    'updatedAt',
  ]);
}

function toItem(template: Template) {
  return {
    ...keys.template(template.id),
    listPk: listPartitions.templates(template.workspaceId),
    listSk: `${template.name.toLowerCase()}#${template.id}`,
    nameLower: template.name.toLowerCase(),
    ...template,
  };
}

/** Why the store did not write: another template has the name, or the template changed since it was read. */
export type TemplateRefusal = 'name-taken' | 'changed';
export type TemplateWrite = { stored: Template } | { refused: TemplateRefusal };

const nameClaim = (template: Template) =>
  checked('name-taken', {
    Put: {
      TableName: tableName,
      Item: { ...keys.templateName(template.workspaceId, template.name), id: template.id, workspaceId: template.workspaceId },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });

export const templatesStore = {
  async create(template: Template, audit: AuditEvent): Promise<TemplateWrite> {
    const [refused] = await transactWrite<TemplateRefusal>([
      nameClaim(template),
      { Put: { TableName: tableName, Item: toItem(template), ConditionExpression: 'attribute_not_exists(pk)' } },
      nameUsedPut(template.workspaceId, 'template', template.name, template.id),
      auditPut(audit),
    ]);
    if (refused) return { refused };
    namesChanged(template.workspaceId, 'template');
    return { stored: template };
  },

  /** The template if it belongs to the workspace. */
  async getIn(workspaceId: string, id: string): Promise<Template | undefined> {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.template(id), ConsistentRead: true }));
    const item = inWorkspace(Item, workspaceId);
    return item ? templateFromItem(item) : undefined;
  },

  /** Templates by id in any workspace (the ids come from stored robots and jobs, never from a caller). */
  async getMany(ids: string[]): Promise<Map<string, Template>> {
    const items = await batchGetById([...new Set(ids)].map((id) => keys.template(id)));
    return new Map([...items].map(([id, item]) => [id, templateFromItem(item)]));
  },

  async list(workspaceId: string, options: { keyword?: string; limit: number; cursor?: string }): Promise<Page<Template>> {
    const keyword = options.keyword?.toLowerCase();
    const page = await queryPage(
      {
        IndexName: indexNames.byList,
        KeyConditionExpression: 'listPk = :partition',
        ...(keyword && { FilterExpression: 'contains(nameLower, :keyword)' }),
        ExpressionAttributeValues: { ':partition': listPartitions.templates(workspaceId), ...(keyword && { ':keyword': keyword }) },
      },
      { limit: options.limit, cursor: options.cursor, keyAttributes: ['pk', 'sk', 'listPk', 'listSk'] },
    );
    return { items: page.items.map(templateFromItem), nextCursor: page.nextCursor };
  },

  /** Replaces the template if it is still at `previous.version`; moves the name claim when the name changes. */
  async replace(previous: Template, next: Template, audit: AuditEvent): Promise<TemplateWrite> {
    const renamed = previous.name.toLowerCase() !== next.name.toLowerCase();
    const refused = await transactWrite<TemplateRefusal>([
      checked(
        'changed',
        overwriteKeeping(keys.template(next.id), toItem(next), templateFields, ['robotCount'], {
          ConditionExpression: 'attribute_exists(pk) AND version = :version',
          ExpressionAttributeValues: { ':version': previous.version },
        }),
      ),
      ...(renamed
        ? [
            nameClaim(next),
            { Delete: { TableName: tableName, Key: keys.templateName(previous.workspaceId, previous.name) } },
            nameUsedPut(next.workspaceId, 'template', next.name, next.id),
          ]
        : []),
      auditPut(audit),
    ]);
    // a taken name says more than a lost race
    if (refused.length > 0) return { refused: refused.includes('name-taken') ? 'name-taken' : 'changed' };
    if (renamed) namesChanged(next.workspaceId, 'template');
    return { stored: next };
  },

  /** Deletes the template unless robots use it: false when one does (or did when the delete ran). */
  async delete(template: Template, audit: AuditEvent): Promise<boolean> {
    const refused = await transactWrite([
      checked('in-use', {
        Delete: {
          TableName: tableName,
          Key: keys.template(template.id),
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(robotCount) OR robotCount = :zero)',
          ExpressionAttributeValues: { ':zero': 0 },
        },
      }),
      { Delete: { TableName: tableName, Key: keys.templateName(template.workspaceId, template.name) } },
      auditPut(audit),
    ]);
    return refused.length === 0;
  },
};

/** Transaction parts robots use to keep robotCount true. */
export const templateUsage = {
  /** Fails when the template is not in the robot's workspace. */
  increment: (workspaceId: string, templateId: string) => ({
    Update: {
      TableName: tableName,
      Key: keys.template(templateId),
      UpdateExpression: 'ADD robotCount :one',
      ConditionExpression: 'attribute_exists(pk) AND workspaceId = :workspaceId',
      ExpressionAttributeValues: { ':one': 1, ':workspaceId': workspaceId },
    },
  }),
  decrement: (templateId: string) => ({
    Update: {
      TableName: tableName,
      Key: keys.template(templateId),
      UpdateExpression: 'ADD robotCount :minusOne',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':minusOne': -1 },
    },
  }),
};
