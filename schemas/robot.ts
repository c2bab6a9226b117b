// Robots: a group robot (DingTalk, WeCom or Feishu) and what it receives.
import type { FromSchema } from 'json-schema-to-ts';
import {
  cursorQuerySchema,
  idSchema,
  keywordQuerySchema,
  limitQuerySchema,
  mentionSchema,
  nameSchema,
  reportDataSchema,
  reportIdSchema,
} from './common';

const webhookUrlSchema = { type: 'string', minLength: 1, maxLength: 2000 } as const;
// a signing secret (DingTalk's start with SEC, "加签"; Feishu's are letters and digits; WeCom has none):
// lib/robots/robotService.ts checks it against the channel
const secretSchema = { type: 'string', pattern: '^[A-Za-z0-9]{8,203}$' } as const;

const clockTime = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour clock' } as const;
/** The chat services a robot can post to (lib/channels). */
export const channels = ['dingtalk', 'wecom', 'feishu', 'dingtalk-app'] as const;
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Most extra webhooks a robot may carry for its group: each adds DingTalk's 20 a minute. */
export const maxPoolWebhooks = 10;

export const robotProperties = {
  name: nameSchema,
  // set when the robot is created: its webhook, secret and templates' bodies belong to that service
  channel: { type: 'string', enum: channels, description: 'The chat service; dingtalk when left out' },
  webhookUrl: webhookUrlSchema,
  secret: secretSchema,
  // more robots added to the same group: the robot's pushes leave, in order, through whichever has a free slot
  pool: {
    type: 'array',
    maxItems: maxPoolWebhooks,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['webhookUrl'],
      properties: { webhookUrl: webhookUrlSchema, secret: secretSchema },
    },
  },
  app: {
    type: 'object',
    additionalProperties: false,
    required: ['appId', 'openConversationId'],
    description: 'For channel dingtalk-app (instead of webhookUrl and secret): the DingTalk app and the group its robot sends to',
    properties: {
      appId: { ...idSchema, description: 'A DingTalk app of this workspace (/dingtalk-apps)' },
      openConversationId: { type: 'string', minLength: 1, maxLength: 256, description: "The group's id, as the app's callback found it" },
    },
  },
  templateId: idSchema,
  reports: {
    type: 'array',
    minItems: 1,
    maxItems: 40,
    uniqueItems: true,
    items: reportIdSchema,
  },
  keywords: {
    type: 'array',
    maxItems: 10,
    uniqueItems: true,
    items: { type: 'string', minLength: 1, maxLength: 100 },
  },
  mention: mentionSchema,
  enabled: { type: 'boolean' },
  // pushes waiting for the robot merged into one message (lib/delivery/digestPlan.ts says when)
  digest: {
    type: 'object',
    additionalProperties: false,
    required: ['enabled'],
    properties: {
      enabled: { type: 'boolean' },
      // more than this many waiting merge even when the window has room (the worker sees up to 10 at a time)
      after: { type: 'integer', minimum: 1, maximum: 9 },
    },
  },
  // pushes inside these hours wait until they end (an urgent event goes at once); from == to is the whole day
  quietHours: {
    type: 'object',
    additionalProperties: false,
    required: ['from', 'to', 'timeZone'],
    properties: {
      from: clockTime,
      to: clockTime,
      timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'An IANA time zone, such as Asia/Shanghai' },
      days: {
        type: 'array',
        minItems: 1,
        maxItems: 7,
        uniqueItems: true,
        description: 'The days the quiet hours start on; every day when absent',
        items: { type: 'string', enum: weekdays },
      },
    },
  },
  // what happens to a push whose attempt may have reached the group unanswered: sent again (it may show
  // twice) or held as unconfirmed for an admin to resend or mark delivered
  onUncertain: { type: 'string', enum: ['resend', 'hold'] },
} as const;

export const createRobotSchema = {
  $id: 'CreateRobot',
  type: 'object',
  additionalProperties: false,
  // webhookUrl for a webhook's chat service, app for dingtalk-app: the robot service says which is missing
  required: ['name', 'templateId'],
  properties: robotProperties,
} as const;

export type CreateRobotInput = FromSchema<typeof createRobotSchema>;

// a robot's channel is fixed: its webhook belongs to one service (a robot of another is a new robot)
const { channel: _fixed, ...withoutChannel } = robotProperties;

export const updateRobotSchema = {
  $id: 'UpdateRobot',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ...withoutChannel,
    // null removes the signing secret, the quiet hours
    secret: { anyOf: [robotProperties.secret, { type: 'null' }] },
    quietHours: { anyOf: [robotProperties.quietHours, { type: 'null' }] },
  },
} as const;

export type UpdateRobotInput = FromSchema<typeof updateRobotSchema>;

export const testRobotSchema = {
  $id: 'TestRobot',
  type: 'object',
  additionalProperties: false,
  properties: { data: reportDataSchema },
} as const;

export type TestRobotInput = FromSchema<typeof testRobotSchema>;

export const listRobotsQuerySchema = {
  $id: 'ListRobotsQuery',
  type: 'object',
  additionalProperties: false,
  properties: {
    keyword: keywordQuerySchema,
    enabled: { type: 'boolean' },
    channel: { type: 'string', enum: channels },
    limit: limitQuerySchema,
    cursor: cursorQuerySchema,
  },
} as const;

export type ListRobotsQuery = FromSchema<typeof listRobotsQuerySchema>;
