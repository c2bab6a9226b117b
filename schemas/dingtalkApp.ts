// DingTalk apps (enterprise internal apps whose robot sends through the OpenAPI): requests and answers.
import type { FromSchema } from 'json-schema-to-ts';
import { nameSchema, nextCursorSchema, timeSchema } from './common';

const appKey = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' } as const;
const appSecret = { type: 'string', minLength: 1, maxLength: 256, description: 'Sealed at rest, never returned' } as const;
const time = timeSchema;

export const createDingTalkAppSchema = {
  $id: 'CreateDingTalkApp',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'appKey', 'appSecret'],
  properties: {
    name: nameSchema,
    appKey,
    appSecret,
    robotCode: { ...appKey, description: "The app robot's code (the appKey when left out, as for an internal app)" },
  },
} as const;
export type CreateDingTalkAppInput = FromSchema<typeof createDingTalkAppSchema>;

export const updateDingTalkAppSchema = {
  $id: 'UpdateDingTalkApp',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name: nameSchema, appSecret, robotCode: appKey },
} as const;
export type UpdateDingTalkAppInput = FromSchema<typeof updateDingTalkAppSchema>;

export const dingtalkAppSchema = {
  $id: 'DingTalkApp',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'appKey', 'robotCode', 'hasAppSecret', 'callbackUrl', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    appKey: { type: 'string' },
    robotCode: { type: 'string' },
    hasAppSecret: { const: true },
    callbackUrl: { type: 'string', description: "Set it as the app robot's message URL (HTTP mode) in DingTalk's developer console" },
    createdAt: time,
    updatedAt: time,
  },
} as const;

export const dingtalkAppPageSchema = {
  $id: 'DingTalkAppPage',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: dingtalkAppSchema },
    nextCursor: nextCursorSchema,
  },
} as const;

export const dingtalkGroupListSchema = {
  $id: 'DingTalkGroupList',
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['openConversationId', 'title', 'lastSeenAt'],
        properties: { openConversationId: { type: 'string' }, title: { type: 'string' }, lastSeenAt: time },
      },
    },
  },
} as const;

/** What DingTalk posts to an app's message URL (the fields dingpush reads; the rest is kept out). */
export const dingtalkCallbackSchema = {
  $id: 'DingTalkCallback',
  type: 'object',
  required: ['conversationId', 'conversationType'],
  properties: {
    conversationId: { type: 'string', minLength: 1, maxLength: 256 },
    conversationType: { type: 'string' },
    conversationTitle: { type: 'string', maxLength: 500 },
    robotCode: { type: 'string', maxLength: 256 },
    isInAtList: { type: 'boolean' },
  },
} as const;
export type DingTalkCallback = FromSchema<typeof dingtalkCallbackSchema>;

export const dingtalkCallbackAnswerSchema = {
  $id: 'DingTalkCallbackAnswer',
  type: 'object',
  description: 'The reply DingTalk shows in the group (a text message), or {} for a message dingpush ignores',
  additionalProperties: false,
  properties: {
    msgtype: { const: 'text' },
    text: { type: 'object', additionalProperties: false, required: ['content'], properties: { content: { type: 'string' } } },
  },
} as const;
