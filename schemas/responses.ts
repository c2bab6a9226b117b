// What each route answers: the OpenAPI document's response schemas, which the integration tests hold every
// answer to (test/support/contract.ts). additionalProperties is false wherever the service controls the
// shape, so a field a handler starts to send without documenting it fails a test.
import { mentionSchema, nextCursorSchema, timeSchema } from './common';
import { pushStatuses } from './pushRecord';
import { channelMessageSchema } from './channelBodies';
import { channels, robotProperties } from './robot';

import { templateInputSchema } from './template';

const text = { type: 'string' } as const;
const time = timeSchema;
const count = { type: 'integer', minimum: 0 } as const;
const nextCursor = nextCursorSchema;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message', 'details'],
      properties: {
        code: {
          type: 'string',
          enum: [
            'BadRequest',
            'ValidationFailed',
            'Unauthorized',
            'Forbidden',
            'WrongWorkspace',
            'NotFound',
            'Conflict',
            'NotRecallable',
            'EventIdReused',
            'PayloadTooLarge',
            'Unprocessable',
            'TryAgainLater',
            'Internal',
          ],
        },
        message: { type: 'string', description: 'What was wrong and what to do, in English' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['path', 'message'],
            properties: { path: { type: 'string', description: 'JSON Pointer into the request' }, message: text },
          },
        },
      },
    },
  },
} as const;

export const healthSchema = {
  $id: 'Health',
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: { status: { const: 'ok' } },
} as const;

export const openApiDocumentSchema = {
  $id: 'OpenApiDocument',
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } },
} as const;

const { $id: _templateInputId, allOf: _perMsgType, ...templateInput } = templateInputSchema;

export const templateSchema = {
  $id: 'Template',
  ...templateInput,
  required: [...templateInput.required, 'id', 'version', 'robotCount', 'createdAt', 'updatedAt'],
  properties: {
    ...templateInput.properties,
    id: text,
    workspaceId: { ...text, description: 'The workspace it belongs to' },
    version: { type: 'integer', minimum: 1, description: 'Goes up by one on every replace' },
    robotCount: { ...count, description: 'Robots that use it; a template in use cannot be deleted' },
    createdAt: time,
    updatedAt: time,
  },
} as const;

export const templatePageSchema = {
  $id: 'TemplatePage',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: templateSchema }, nextCursor },
} as const;

const channel = { type: 'string', enum: channels } as const;

export const previewSchema = {
  $id: 'Preview',
  type: 'object',
  additionalProperties: false,
  required: ['message', 'channel', 'bytes', 'warnings'],
  properties: {
    message: channelMessageSchema,
    channel: { ...channel, description: 'The channel the body is for' },
    bytes: { ...count, description: 'UTF-8 bytes of the body (DingTalk takes 20,000; WeCom 4,096 of markdown; Feishu 20 KB)' },
    warnings: { type: 'array', items: text, description: 'What the channel would refuse or show wrongly, in English' },
    digest: {
      type: 'object',
      additionalProperties: false,
      required: ['message', 'bytes'],
      description: 'Asked for with digest: true: three pushes of this event as the robot would merge them',
      properties: { message: channelMessageSchema, bytes: count },
    },
  },
} as const;

export const starterListSchema = {
  $id: 'StarterList',
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'reportId', 'templates', 'samples'],
        properties: {
          id: text,
          source: { type: 'string', enum: ['alertmanager', 'grafana', 'superset', 'metabase'] },
          reportId: { ...text, description: 'The reportId its events carry: subscribe a robot to it' },
          templates: {
            type: 'object',
            additionalProperties: false,
            required: ['zh-CN', 'en'],
            properties: { 'zh-CN': templateInput, en: templateInput },
          },
          samples: {
            type: 'object',
            description: 'An event as it arrives, per language: the console previews the starter with it',
            required: ['zh-CN', 'en'],
            properties: { 'zh-CN': { type: 'object' }, en: { type: 'object' } },
          },
        },
      },
    },
  },
} as const;

export const robotSchema = {
  $id: 'Robot',
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'name',
    'channel',
    'hasSecret',
    'templateId',
    'reports',
    'keywords',
    'enabled',
    'onUncertain',
    'consecutiveFailures',
    'version',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: text,
    workspaceId: { ...text, description: 'The workspace it belongs to' },
    name: text,
    channel: { ...channel, description: 'The chat service the robot posts to' },
    webhookUrl: {
      ...text,
      description: 'Masked: the access token (key, hook token) shows its first characters only; absent on a dingtalk-app robot',
    },
    app: robotProperties.app,
    hasSecret: { type: 'boolean', description: 'Whether a signing secret is set (the secret itself is never shown)' },
    pool: {
      type: 'array',
      description: 'More webhooks for the same group, each with its own 20 a minute; masked like webhookUrl',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['webhookUrl', 'hasSecret'],
        properties: { webhookUrl: text, hasSecret: { type: 'boolean' } },
      },
    },
    templateId: text,
    templateName: text,
    reports: { type: 'array', items: text },
    keywords: { type: 'array', items: text },
    mention: mentionSchema,
    enabled: { type: 'boolean' },
    digest: robotProperties.digest,
    quietHours: robotProperties.quietHours,
    onUncertain: { type: 'string', enum: ['resend', 'hold'] },
    disabledReason: text,
    disabledAutomatically: {
      type: 'object',
      additionalProperties: false,
      required: ['failures', 'errmsg'],
      description: 'Set when the service disabled the robot after failures in a row',
      properties: { failures: count, errcode: { type: 'integer' }, errmsg: text },
    },
    consecutiveFailures: count,
    version: { type: 'integer', minimum: 1 },
    createdAt: time,
    updatedAt: time,
  },
} as const;

export const robotPageSchema = {
  $id: 'RobotPage',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: robotSchema }, nextCursor },
} as const;

export const intakeResultSchema = {
  $id: 'IntakeResult',
  type: 'object',
  additionalProperties: false,
  required: ['eventId', 'jobs', 'duplicate'],
  properties: {
    eventId: text,
    jobs: { ...count, description: 'Push jobs queued: one per enabled robot subscribed to the report' },
    duplicate: { type: 'boolean', description: 'The same event was accepted before; nothing new was queued' },
  },
} as const;

const recordSummaryProperties = {
  id: text,
  workspaceId: { ...text, description: 'The workspace it belongs to' },
  eventId: text,
  reportId: text,
  reportName: text,
  robotId: text,
  robotName: text,
  channel: {
    ...channel,
    description: "The robot's chat service when the push was made; absent only when the robot was deleted before that",
  },
  templateId: text,
  templateName: text,
  status: { type: 'string', enum: pushStatuses },
  attempts: count,
  uncertain: { ...count, description: 'Attempts that ended without a known outcome: the group may show the push that many times more' },
  nextAttemptAt: { ...time, description: 'While a failed attempt waits to be retried' },
  heldUntil: { ...time, description: "While held for the robot's quiet hours: when they end (it goes out soon after)" },
  resentAs: { ...text, description: 'The record a resend created from this one' },
  digestId: { ...text, description: 'The digest this push was last sent in: its record holds the exact message the group got' },
  members: { type: 'array', items: text, description: "A digest's record: the pushes it carries, in order" },
  picturesSent: {
    type: 'array',
    description: "WeCom: the screenshots sent after the push's message as image messages of their own, each with the md5 of its bytes",
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'md5', 'bytes'],
      properties: { name: text, md5: text, bytes: count },
    },
  },
  webhook: {
    ...text,
    description: "Which of the robot's webhooks the latest attempt went through, masked; numbered from #1 when the robot has a pool",
  },
  resendOf: text,
  errcode: { type: 'integer' },
  errmsg: text,
  createdAt: time,
  updatedAt: time,
  sentAt: time,
  confirmedAt: { ...time, description: 'When an admin marked an unconfirmed push delivered' },
  app: { ...robotProperties.app, description: "An app robot's push: the DingTalk app and group it went to" },
  recalledAt: { ...time, description: 'When it was pulled back from the group' },
  messageKeys: {
    type: 'array',
    items: text,
    description:
      "What the chat service calls each message of the push it took, the message's first, then its pictures' (an app robot's processQueryKeys)",
  },
} as const;
const recordSummaryRequired = [
  'id',
  'eventId',
  'reportId',
  'reportName',
  'robotId',
  'robotName',
  'templateId',
  'templateName',
  'status',
  'attempts',
  'createdAt',
  'updatedAt',
] as const;

export const pushRecordSummarySchema = {
  $id: 'PushRecordSummary',
  type: 'object',
  additionalProperties: false,
  required: recordSummaryRequired,
  properties: recordSummaryProperties,
} as const;

export const pushRecordPageSchema = {
  $id: 'PushRecordPage',
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: pushRecordSummarySchema }, nextCursor },
} as const;

export const pushRecordSchema = {
  $id: 'PushRecord',
  type: 'object',
  additionalProperties: false,
  required: [...recordSummaryRequired, 'content', 'contentBytes', 'template', 'response', 'attemptLog'],
  properties: {
    ...recordSummaryProperties,
    content: { anyOf: [channelMessageSchema, { type: 'null' }], description: 'The exact body sent (null while none was rendered)' },
    contentBytes: { type: ['integer', 'null'], minimum: 0 },
    template: {
      type: ['object', 'null'],
      description: 'The template as it was when the push was rendered',
      required: ['id', 'name', 'version', 'msgType'],
      properties: { id: text, name: text, version: { type: 'integer' }, msgType: text },
    },
    response: { description: "DingTalk's last answer, as it came" },
    attemptLog: {
      type: 'array',
      description: 'The first 3 and the latest 17 attempts',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['at', 'result', 'errmsg', 'durationMs'],
        properties: {
          at: time,
          result: {
            type: 'string',
            enum: ['not-sent', 'answered', 'uncertain'],
            description: 'not-sent: safe to send again; answered: the status and errcode say what happened; uncertain: may be in the group',
          },
          httpStatus: { type: 'integer' },
          errcode: { type: 'integer' },
          errmsg: text,
          durationMs: count,
          webhook: { ...text, description: 'Which webhook the attempt went through, masked' },
          digestId: { ...text, description: 'The attempt sent this push in that digest' },
        },
      },
    },
    attemptsOmitted: { ...count, description: 'Attempts left out of the middle of attemptLog' },
  },
} as const;

export const recallResultSchema = {
  $id: 'RecallResult',
  type: 'object',
  additionalProperties: false,
  required: ['recalled', 'notRecallable'],
  properties: {
    recalled: { type: 'array', items: text, description: 'The push records pulled back from their groups' },
    notRecallable: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['id', 'reason'], properties: { id: text, reason: text } },
    },
  },
} as const;

export const readsSchema = {
  $id: 'PushReads',
  type: 'object',
  additionalProperties: false,
  required: ['ready', 'sendStatus', 'readCount', 'readUserIds', 'nextCursor', 'checkedAt'],
  properties: {
    ready: { type: 'boolean', description: 'false while DingTalk has no read status yet: ask again later' },
    sendStatus: { type: 'string', description: "DingTalk's: SUCCESS, RECALLED or PROCESSING" },
    readCount: count,
    readUserIds: { type: 'array', items: text, description: 'The staff ids of those who read it' },
    nextCursor,
    checkedAt: time,
  },
} as const;

export const resendResultSchema = {
  $id: 'ResendResult',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'resendOf', 'status'],
  properties: { id: text, resendOf: text, status: { const: 'queued' } },
} as const;

export const bulkResendResultSchema = {
  $id: 'BulkResendResult',
  type: 'object',
  additionalProperties: false,
  required: ['resent', 'nextCursor'],
  properties: {
    resent: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['id', 'resendOf'], properties: { id: text, resendOf: text } },
    },
    nextCursor,
  },
} as const;

export const pushStatisticsSchema = {
  $id: 'PushStatistics',
  type: 'object',
  additionalProperties: false,
  required: ['days'],
  properties: {
    days: {
      type: 'array',
      description: 'Oldest first, one per UTC day',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['date', 'sent', 'failed', 'skipped'],
        properties: { date: { type: 'string', format: 'date' }, sent: count, failed: count, skipped: count },
      },
    },
  },
} as const;
