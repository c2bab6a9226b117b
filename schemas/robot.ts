// Robots: a DingTalk group robot and what it receives.
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
// DingTalk signing secrets start with SEC (its robot security settings, "加签").
const secretSchema = { type: 'string', pattern: '^SEC[A-Za-z0-9]{8,200}$' } as const;

/** Most extra webhooks a robot may carry for its group: each adds DingTalk's 20 a minute. */
export const maxPoolWebhooks = 10;

const robotProperties = {
  name: nameSchema,
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
  // what happens to a push whose attempt may have reached the group unanswered: sent again (it may show
  // twice) or held as unconfirmed for an admin to resend or mark delivered
  onUncertain: { type: 'string', enum: ['resend', 'hold'] },
} as const;

export const createRobotSchema = {
  $id: 'CreateRobot',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'webhookUrl', 'templateId'],
  properties: robotProperties,
} as const;

export type CreateRobotInput = FromSchema<typeof createRobotSchema>;

export const updateRobotSchema = {
  $id: 'UpdateRobot',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ...robotProperties,
    // null removes the signing secret
    secret: { anyOf: [robotProperties.secret, { type: 'null' }] },
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
    limit: limitQuerySchema,
    cursor: cursorQuerySchema,
  },
} as const;

export type ListRobotsQuery = FromSchema<typeof listRobotsQuerySchema>;
