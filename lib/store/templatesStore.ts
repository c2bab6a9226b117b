// Templates in DynamoDB: unique names through claim items, a robot count that guards deletion, versions.
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TemplateInput } from '../../schemas/template';
import { dynamodb } from '../aws/clients';
import { conflict, notFound } from '../errors';
import { namesChanged } from './namesStore';
import { batchGetById, cancelledConditions, indexNames, keys, listPartitions, nameUsedPut, queryPage, tableName, type Page } from './table';

export interface Template extends TemplateInput {
  id: string;
  version: number;
  robotCount: number;
  createdAt: string;
  updatedAt: string;
}

const templateFields = [
  'id',
  'name',
  'msgType',
  'title',
  'text',
  'messageUrl',
  'picUrl',
  'buttons',
  'btnOrientation',
  'links',
  'version',
  'robotCount',
  'createdAt',
  'updatedAt',
] as const;

export function templateFromItem(item: Record<string, unknown>): Template {
  return Object.fromEntries(templateFields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as unknown as Template;
}

function toItem(template: Template) {
  return {
    ...keys.template(template.id),
    listPk: listPartitions.templates,
    listSk: `${template.name.toLowerCase()}#${template.id}`,
    nameLower: template.name.toLowerCase(),
    ...template,
  };
}

const nameTaken = (name: string) =>
  conflict(`A template named "${name}" already exists; choose another name`, [
    { path: '/name', message: 'is already used by another template' },
  ]);

export const templatesStore = {
  async create(template: Template): Promise<Template> {
    try {
      await dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: { ...keys.templateName(template.name), id: template.id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: tableName, Item: toItem(template), ConditionExpression: 'attribute_not_exists(pk)' } },
            nameUsedPut('template', template.name, template.id),
          ],
        }),
      );
      namesChanged('template');
    } catch (error) {
      if (cancelledConditions(error).includes(0)) throw nameTaken(template.name);
      throw error;
    }
    return template;
  },

  async get(id: string): Promise<Template | undefined> {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.template(id), ConsistentRead: true }));
    return Item ? templateFromItem(Item) : undefined;
  },

  async getMany(ids: string[]): Promise<Map<string, Template>> {
    const items = await batchGetById([...new Set(ids)].map((id) => keys.template(id)));
    return new Map([...items].map(([id, item]) => [id, templateFromItem(item)]));
  },

  async list(options: { keyword?: string; limit: number; cursor?: string }): Promise<Page<Template>> {
    const keyword = options.keyword?.toLowerCase();
    const page = await queryPage(
      {
        IndexName: indexNames.byList,
        KeyConditionExpression: 'listPk = :partition',
        ...(keyword && { FilterExpression: 'contains(nameLower, :keyword)' }),
        ExpressionAttributeValues: { ':partition': listPartitions.templates, ...(keyword && { ':keyword': keyword }) },
      },
      { limit: options.limit, cursor: options.cursor, keyAttributes: ['pk', 'sk', 'listPk', 'listSk'] },
    );
    return { items: page.items.map(templateFromItem), nextCursor: page.nextCursor };
  },

  /** Replaces the template if it is still at `previous.version`; moves the name claim when the name changes. */
  async replace(previous: Template, next: Template): Promise<Template> {
    const renamed = previous.name.toLowerCase() !== next.name.toLowerCase();
    const claims = renamed
      ? [
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.templateName(next.name), id: next.id },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Delete: { TableName: tableName, Key: keys.templateName(previous.name) } },
          nameUsedPut('template', next.name, next.id),
        ]
      : [];
    try {
      await dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: toItem(next),
                ConditionExpression: 'attribute_exists(pk) AND version = :version',
                ExpressionAttributeValues: { ':version': previous.version },
              },
            },
            ...claims,
          ],
        }),
      );
      if (renamed) namesChanged('template');
    } catch (error) {
      const failed = cancelledConditions(error);
      if (failed.includes(1)) throw nameTaken(next.name);
      if (failed.includes(0)) throw conflict('The template changed while you edited it; load it again and retry');
      throw error;
    }
    return next;
  },

  async delete(id: string): Promise<void> {
    const template = await this.get(id);
    if (!template) throw notFound(`No template with id ${id}`);
    try {
      await dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: tableName,
                Key: keys.template(id),
                ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(robotCount) OR robotCount = :zero)',
                ExpressionAttributeValues: { ':zero': 0 },
              },
            },
            { Delete: { TableName: tableName, Key: keys.templateName(template.name) } },
          ],
        }),
      );
    } catch (error) {
      if (cancelledConditions(error).includes(0)) {
        const current = await this.get(id);
        if (!current) throw notFound(`No template with id ${id}`);
        throw conflict(`Template "${current.name}" is used by ${current.robotCount} robot(s); point them at another template first`);
      }
      throw error;
    }
  },
};

/** Transaction parts robots use to keep robotCount true. */
export const templateUsage = {
  increment: (templateId: string) => ({
    Update: {
      TableName: tableName,
      Key: keys.template(templateId),
      UpdateExpression: 'ADD robotCount :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
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
