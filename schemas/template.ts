// Templates: what a push looks like. One schema validates create and replace bodies and types them.
import type { FromSchema } from 'json-schema-to-ts';
import { channels } from './robot';
import { cursorQuerySchema, keywordQuerySchema, limitQuerySchema, nameSchema, reportDataSchema } from './common';

export const msgTypes = ['text', 'markdown', 'link', 'actionCard', 'feedCard'] as const;

const templateText = { type: 'string', maxLength: 20000 } as const;
const templateUrl = { type: 'string', minLength: 1, maxLength: 2000 } as const;
const shortText = { type: 'string', minLength: 1, maxLength: 500 } as const;

/** The fields that say what a message is; what each DingTalk msgtype needs is in `messageRules`. */
const messageProperties = {
  msgType: { type: 'string', enum: msgTypes },
  title: shortText,
  text: templateText,
  messageUrl: templateUrl,
  picUrl: templateUrl,
  buttons: {
    type: 'array',
    minItems: 1,
    maxItems: 10,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['title', 'url'],
      properties: { title: shortText, url: templateUrl },
    },
  },
  btnOrientation: { type: 'string', enum: ['0', '1'] },
  links: {
    type: 'array',
    minItems: 1,
    maxItems: 10,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['title', 'messageUrl'],
      properties: { title: shortText, messageUrl: templateUrl, picUrl: templateUrl },
    },
  },
} as const;

// What each DingTalk msgtype needs (DingTalk's robot/send message bodies).
// (`true`: the field is the one declared above; named here so the branch reads on its own)
const messageRules = [
  { if: { properties: { msgType: { const: 'text' } } }, then: { required: ['text'], properties: { text: true } } },
  {
    if: { properties: { msgType: { const: 'markdown' } } },
    then: { required: ['title', 'text'], properties: { title: true, text: true } },
  },
  {
    if: { properties: { msgType: { const: 'link' } } },
    then: { required: ['title', 'text', 'messageUrl'], properties: { title: true, text: true, messageUrl: true } },
  },
  {
    if: { properties: { msgType: { const: 'actionCard' } } },
    then: { required: ['title', 'text', 'buttons'], properties: { title: true, text: true, buttons: true } },
  },
  { if: { properties: { msgType: { const: 'feedCard' } } }, then: { required: ['links'], properties: { links: true } } },
] as const;

/** A channel's own message instead of the template's, for the robots of that channel. */
const channelOverride = {
  type: 'object',
  additionalProperties: false,
  required: ['msgType'],
  properties: messageProperties,
  allOf: messageRules,
} as const;

export const templateInputSchema = {
  $id: 'TemplateInput',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'msgType'],
  properties: {
    name: nameSchema,
    ...messageProperties,
    // what a push adds to a digest, when the robot merges waiting pushes: Mustache over {count, robotName}
    // (title) and one push's {title, link, reportName, n} (line); defaults in lib/render/digest.ts
    digest: {
      type: 'object',
      additionalProperties: false,
      properties: { title: shortText, line: shortText },
    },
    // a template renders to every channel's body; a channel named here renders its own message instead
    channels: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { dingtalk: channelOverride, wecom: channelOverride, feishu: channelOverride, 'dingtalk-app': channelOverride },
    },
  },
  allOf: messageRules,
} as const;

export type TemplateInput = FromSchema<typeof templateInputSchema>;
export type MsgType = (typeof msgTypes)[number];

export const templatePreviewSchema = {
  $id: 'TemplatePreview',
  type: 'object',
  additionalProperties: false,
  properties: {
    data: reportDataSchema,
    robotId: { type: 'string', minLength: 1, maxLength: 128 },
    // the body for this channel's robots (by default the robot's channel, or DingTalk)
    channel: { type: 'string', enum: channels },
    // also render three pushes of this event merged into the digest a robot would send
    digest: { type: 'boolean' },
  },
} as const;

export type TemplatePreviewInput = FromSchema<typeof templatePreviewSchema>;

/** A preview of a template not saved yet (the console's live preview while editing). */
export const draftPreviewSchema = {
  $id: 'DraftPreview',
  type: 'object',
  additionalProperties: false,
  required: ['template'],
  properties: { template: templateInputSchema, ...templatePreviewSchema.properties },
} as const;

export type DraftPreviewInput = FromSchema<typeof draftPreviewSchema>;

export const listTemplatesQuerySchema = {
  $id: 'ListTemplatesQuery',
  type: 'object',
  additionalProperties: false,
  properties: { keyword: keywordQuerySchema, limit: limitQuerySchema, cursor: cursorQuerySchema },
} as const;

export type ListTemplatesQuery = FromSchema<typeof listTemplatesQuerySchema>;

/** A template made from a starter (GET /template-starters): its wording in one language, optionally renamed. */
export const createFromStarterSchema = {
  $id: 'CreateFromStarter',
  type: 'object',
  additionalProperties: false,
  properties: {
    language: { type: 'string', enum: ['zh-CN', 'en'] },
    name: nameSchema,
  },
} as const;

export type CreateFromStarterInput = FromSchema<typeof createFromStarterSchema>;
