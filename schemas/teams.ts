// Workspaces, API tokens and the audit log: requests and answers.
import type { FromSchema } from 'json-schema-to-ts';
import { auditActions } from '../lib/audit/auditEvent';
import { tokenRoles } from '../lib/auth/roles';
import { cursorQuerySchema, idSchema, limitQuerySchema, nameSchema, nextCursorSchema, timeSchema } from './common';

const time = timeSchema;
const nextCursor = nextCursorSchema;

export const createWorkspaceSchema = {
  $id: 'CreateWorkspace',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: nameSchema,
    slug: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]{1,38}$',
      description: 'Unique; lower-case letters, digits and dashes (made from the name when left out)',
    },
  },
} as const;
export type CreateWorkspaceInput = FromSchema<typeof createWorkspaceSchema>;

export const updateWorkspaceSchema = {
  $id: 'UpdateWorkspace',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: nameSchema },
} as const;
export type UpdateWorkspaceInput = FromSchema<typeof updateWorkspaceSchema>;

export const workspaceSchema = {
  $id: 'Workspace',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'slug', 'name', 'createdAt'],
  properties: { id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' }, createdAt: time, updatedAt: time },
} as const;

export const workspaceListSchema = {
  $id: 'WorkspaceList',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: workspaceSchema }, nextCursor },
} as const;

export const listQuerySchema = {
  $id: 'ListQuery',
  type: 'object',
  additionalProperties: false,
  properties: { limit: limitQuerySchema, cursor: cursorQuerySchema },
} as const;
export type ListQuery = FromSchema<typeof listQuerySchema>;

const actorSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['instance', 'token', 'system'] },
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
  },
} as const;

export const whoamiSchema = {
  $id: 'Whoami',
  type: 'object',
  additionalProperties: false,
  required: ['workspace', 'actor'],
  properties: {
    workspace: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'slug', 'name'],
      properties: { id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' } },
    },
    actor: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'role'],
      properties: {
        type: { enum: ['instance', 'token'] },
        id: { type: 'string' },
        name: { type: 'string' },
        role: { enum: tokenRoles, description: 'An instance token of role admin is the instance admin' },
      },
    },
  },
} as const;

export const createTokenSchema = {
  $id: 'CreateToken',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: {
    name: nameSchema,
    role: { enum: tokenRoles },
    expiresInDays: { type: 'integer', minimum: 1, maximum: 365, description: 'Days until it stops working (90 when left out)' },
  },
} as const;
export type CreateTokenInput = FromSchema<typeof createTokenSchema>;

export const rotateTokenSchema = {
  $id: 'RotateToken',
  type: 'object',
  additionalProperties: false,
  properties: {
    graceSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 86_400,
      description: 'How long the old token keeps working (3,600 when left out)',
    },
  },
} as const;
export type RotateTokenInput = FromSchema<typeof rotateTokenSchema>;

const tokenProperties = {
  id: idSchema,
  name: { type: 'string' },
  role: { enum: tokenRoles },
  prefix: { type: 'string', description: 'The first 11 characters of the token: enough to recognise it, useless to use' },
  createdAt: time,
  expiresAt: time,
  lastUsedAt: { ...time, description: 'At most a minute stale' },
  revokedAt: { ...time, description: 'When it stopped (or, in a rotation’s grace period, stops) working' },
  createdBy: actorSchema,
  rotatedFrom: idSchema,
} as const;

export const apiTokenSchema = {
  $id: 'ApiToken',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'role', 'prefix', 'createdAt', 'expiresAt', 'createdBy'],
  properties: tokenProperties,
} as const;

export const newApiTokenSchema = {
  $id: 'NewApiToken',
  type: 'object',
  additionalProperties: false,
  required: [...apiTokenSchema.required, 'token'],
  properties: {
    ...tokenProperties,
    token: { type: 'string', pattern: '^dp_[0-9A-Za-z]{61}$', description: 'The secret: shown in this answer only, never again' },
  },
} as const;

export const apiTokenPageSchema = {
  $id: 'ApiTokenPage',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: apiTokenSchema }, nextCursor },
} as const;

const auditFilterProperties = {
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  cursor: cursorQuerySchema,
} as const;

export const listAuditEventsQuerySchema = {
  $id: 'ListAuditEventsQuery',
  type: 'object',
  additionalProperties: false,
  properties: {
    action: { enum: auditActions },
    actorId: { type: 'string', maxLength: 128 },
    targetType: { type: 'string', maxLength: 64 },
    targetId: { type: 'string', maxLength: 200 },
    limit: limitQuerySchema,
    ...auditFilterProperties,
  },
} as const;
export type ListAuditEventsQuery = FromSchema<typeof listAuditEventsQuerySchema>;

export const exportAuditEventsQuerySchema = {
  $id: 'ExportAuditEventsQuery',
  type: 'object',
  additionalProperties: false,
  required: ['format'],
  properties: { format: { enum: ['ndjson', 'csv'] }, ...auditFilterProperties },
} as const;
export type ExportAuditEventsQuery = FromSchema<typeof exportAuditEventsQuerySchema>;

export const auditEventSchema = {
  $id: 'AuditEvent',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'at', 'action', 'actor', 'target', 'result', 'requestId'],
  properties: {
    id: { type: 'string' },
    at: time,
    action: { enum: auditActions },
    actor: actorSchema,
    target: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'id'],
      properties: { type: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } },
    },
    changes: {
      type: 'object',
      description: 'Field by field; a secret reads "<sealed>"',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['before', 'after'],
        properties: { before: {}, after: {} },
      },
    },
    result: { enum: ['ok', 'denied'] },
    requestId: { type: 'string' },
    sourceIp: { type: 'string' },
    userAgent: { type: 'string' },
  },
} as const;

export const auditEventPageSchema = {
  $id: 'AuditEventPage',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: auditEventSchema }, nextCursor },
} as const;
