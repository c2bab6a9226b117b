// Audit events: one partition per workspace, sorted by time. A change's event is a part of the change's own
// transaction (auditPut); a refusal's is written alone (record).
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { config } from '../config';
import type { AuditEvent } from '../audit/auditEvent';
import { keys, queryPage, storedAs, tableName, type Page } from './table';

const auditFields = ['id', 'at', 'action', 'actor', 'target', 'changes', 'result', 'requestId', 'sourceIp', 'userAgent'] as const;

const toItem = (event: AuditEvent) => ({
  ...keys.audit(event.workspaceId, event.at, event.id),
  ...event,
  expiresAt: Math.floor(Date.parse(event.at) / 1000) + config.auditRetentionDays * 86_400,
});

/** The event as the API shows it (its workspace is the request's). */
export type AuditEventView = Omit<AuditEvent, 'workspaceId'>;

const fromItem = (item: Record<string, unknown>) =>
  storedAs<AuditEventView>('audit event', item, auditFields, ['id', 'at', 'action', 'actor', 'target', 'result', 'requestId']);

/** A transaction part that writes the event with the change it describes. */
export const auditPut = (event: AuditEvent) => ({
  Put: { TableName: tableName, Item: toItem(event), ConditionExpression: 'attribute_not_exists(pk)' },
});

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
}

function auditQuery(workspaceId: string, filter: AuditFilter, newestFirst: boolean) {
  const values: Record<string, unknown> = {
    ':pk': keys.audit(workspaceId, '', '').pk,
    ':nowSeconds': Math.floor(Date.now() / 1000),
  };
  const names: Record<string, string> = {};
  const conditions = ['expiresAt > :nowSeconds'];
  const equal = (path: string[], value: string | undefined, placeholder: string) => {
    if (value === undefined) return;
    names[`#${path[0]}`] = path[0];
    if (path[1]) names[`#${path[1]}`] = path[1];
    conditions.push(`${path.map((part) => `#${part}`).join('.')} = ${placeholder}`);
    values[placeholder] = value;
  };
  equal(['action'], filter.action, ':action');
  equal(['actor', 'id'], filter.actorId, ':actorId');
  equal(['target', 'type'], filter.targetType, ':targetType');
  equal(['target', 'id'], filter.targetId, ':targetId');
  // sk is `<at>#<id>`: from is inclusive, to inclusive to the millisecond
  if (filter.from) values[':from'] = filter.from;
  if (filter.to) values[':to'] = `${filter.to}~`;
  const range =
    filter.from && filter.to ? ' AND sk BETWEEN :from AND :to' : filter.from ? ' AND sk >= :from' : filter.to ? ' AND sk <= :to' : '';
  return {
    KeyConditionExpression: `pk = :pk${range}`,
    FilterExpression: conditions.join(' AND '),
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    ExpressionAttributeValues: values,
    ScanIndexForward: !newestFirst,
  };
}

export const auditStore = {
  /** An event with no change to go with (a refusal). */
  async record(event: AuditEvent): Promise<void> {
    await dynamodb.send(new PutCommand({ TableName: tableName, Item: toItem(event) }));
  },

  async list(
    workspaceId: string,
    filter: AuditFilter,
    options: { limit: number; cursor?: string; oldestFirst?: boolean },
  ): Promise<Page<AuditEventView>> {
    const page = await queryPage(auditQuery(workspaceId, filter, !options.oldestFirst), {
      limit: options.limit,
      cursor: options.cursor,
      keyAttributes: ['pk', 'sk'],
    });
    return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
  },
};
