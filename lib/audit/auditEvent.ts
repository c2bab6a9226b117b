// Audit events: who changed what, field by field, with every secret shown as "<sealed>".
import { randomUUID } from 'node:crypto';
import type { Actor, Caller } from '../domain/caller';

export const auditActions = [
  'robot.create',
  'robot.update',
  'robot.delete',
  'robot.enable',
  'robot.disable',
  'robot.auto-disable',
  'template.create',
  'template.update',
  'template.delete',
  'token.create',
  'token.rotate',
  'token.revoke',
  'push-record.resend',
  'push-record.confirm',
  'push-record.recall',
  'push-records.bulk-resend',
  'event.recall',
  'dingtalk-app.create',
  'dingtalk-app.update',
  'dingtalk-app.delete',
  'workspace.create',
  'workspace.update',
  'auth.denied',
] as const;
export type AuditAction = (typeof auditActions)[number];

export type Changes = Record<string, { before: unknown; after: unknown }>;

export interface AuditEvent {
  id: string;
  workspaceId: string;
  at: string;
  action: AuditAction;
  actor: Actor;
  target: { type: string; id: string; name?: string };
  changes?: Changes;
  result: 'ok' | 'denied';
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
}

export const sealedValue = '<sealed>';

/** What an event is about; its type is the action's noun (`robot` for robot.update) unless it names another. */
export type AuditTarget = Omit<AuditEvent['target'], 'type'> & { type?: string };

export function auditEvent(
  caller: Caller,
  action: AuditAction,
  target: AuditTarget,
  changes?: Changes,
  result: AuditEvent['result'] = 'ok',
): AuditEvent {
  return {
    id: randomUUID(),
    workspaceId: caller.workspaceId,
    at: new Date().toISOString(),
    action,
    actor: caller.actor,
    target: { type: action.slice(0, action.indexOf('.')), ...target },
    ...(changes && Object.keys(changes).length > 0 && { changes }),
    result,
    requestId: caller.requestId,
    ...(caller.sourceIp && { sourceIp: caller.sourceIp }),
    ...(caller.userAgent && { userAgent: caller.userAgent.slice(0, 300) }),
  };
}

/**
 * What changed from `before` to `after` (either absent for a create or a delete), field by field. Fields
 * in `sealed` show "<sealed>" on the side where they are set, so a changed secret shows that it changed.
 */
export function changesBetween<T extends object>(
  before: T | undefined,
  after: T | undefined,
  options: { sealed?: readonly string[]; ignore?: readonly string[] } = {},
): Changes {
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: Changes = {};
  for (const field of fields) {
    if (options.ignore?.includes(field)) continue;
    const was = (before as Record<string, unknown> | undefined)?.[field];
    const is = (after as Record<string, unknown> | undefined)?.[field];
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    const shown = (value: unknown) => (value === undefined ? null : options.sealed?.includes(field) ? sealedValue : value);
    changes[field] = { before: shown(was), after: shown(is) };
  }
  return changes;
}
