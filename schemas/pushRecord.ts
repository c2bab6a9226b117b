// Push record queries.
import type { FromSchema } from 'json-schema-to-ts';
import { channels } from './robot';
import { cursorQuerySchema, idSchema, keywordQuerySchema, limitQuerySchema } from './common';

// held: waiting for the robot's quiet hours to end
export const pushStatuses = ['queued', 'held', 'sent', 'failed', 'skipped', 'unconfirmed', 'recalled'] as const;
export type PushStatus = (typeof pushStatuses)[number];

export const readsQuerySchema = {
  $id: 'ReadsQuery',
  type: 'object',
  additionalProperties: false,
  properties: { cursor: { type: 'string', minLength: 1, maxLength: 2048 } },
} as const;

export const listPushRecordsQuerySchema = {
  $id: 'ListPushRecordsQuery',
  type: 'object',
  additionalProperties: false,
  properties: {
    keyword: keywordQuerySchema,
    robotId: idSchema,
    templateId: idSchema,
    eventId: { type: 'string', minLength: 1, maxLength: 200 },
    status: { type: 'string', enum: pushStatuses },
    channel: { type: 'string', enum: channels },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    limit: limitQuerySchema,
    cursor: cursorQuerySchema,
  },
} as const;

export type ListPushRecordsQuery = FromSchema<typeof listPushRecordsQuerySchema>;

export const pushStatisticsQuerySchema = {
  $id: 'PushStatisticsQuery',
  type: 'object',
  additionalProperties: false,
  properties: { days: { type: 'integer', minimum: 1, maximum: 90 } },
} as const;

export type PushStatisticsQuery = FromSchema<typeof pushStatisticsQuerySchema>;

export const bulkResendSchema = {
  $id: 'BulkResend',
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['failed', 'unconfirmed'] },
    robotId: idSchema,
    templateId: idSchema,
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    cursor: cursorQuerySchema,
  },
} as const;

export type BulkResendInput = FromSchema<typeof bulkResendSchema>;
