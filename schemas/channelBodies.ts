// The bodies each chat service is sent, as lib/channels/ makes them: one variant per service and message
// type, so a record's `content` and a preview's `message` are typed in the document (docs/channels.md).
import type { FromSchema } from 'json-schema-to-ts';

const text = { type: 'string' } as const;
const texts = { type: 'array', items: text } as const;

const atSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Who the message mentions (the @ handles are in the text too)',
  properties: { atMobiles: texts, atUserIds: texts, isAtAll: { type: 'boolean' } },
} as const;

const dingTalkBodies = [
  {
    title: 'DingTalk text',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'text'],
    properties: {
      msgtype: { const: 'text' },
      text: { type: 'object', additionalProperties: false, required: ['content'], properties: { content: text } },
      at: atSchema,
    },
  },
  {
    title: 'DingTalk markdown',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'markdown'],
    properties: {
      msgtype: { const: 'markdown' },
      markdown: { type: 'object', additionalProperties: false, required: ['title', 'text'], properties: { title: text, text } },
      at: atSchema,
    },
  },
  {
    title: 'DingTalk link',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'link'],
    properties: {
      msgtype: { const: 'link' },
      link: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'text', 'messageUrl'],
        properties: { title: text, text, messageUrl: text, picUrl: text },
      },
    },
  },
  {
    title: 'DingTalk actionCard',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'actionCard'],
    properties: {
      msgtype: { const: 'actionCard' },
      actionCard: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'text'],
        description: 'One button (singleTitle, singleURL) or several (btns)',
        properties: {
          title: text,
          text,
          singleTitle: text,
          singleURL: text,
          btnOrientation: { type: 'string', enum: ['0', '1'] },
          btns: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['title', 'actionURL'],
              properties: { title: text, actionURL: text },
            },
          },
        },
      },
    },
  },
  {
    title: 'DingTalk feedCard',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'feedCard'],
    properties: {
      msgtype: { const: 'feedCard' },
      feedCard: {
        type: 'object',
        additionalProperties: false,
        required: ['links'],
        properties: {
          links: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['title', 'messageURL'],
              properties: { title: text, messageURL: text, picURL: text },
            },
          },
        },
      },
    },
  },
] as const;

const weComBodies = [
  {
    title: 'WeCom text',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'text'],
    properties: {
      msgtype: { const: 'text' },
      text: {
        type: 'object',
        additionalProperties: false,
        required: ['content'],
        properties: { content: text, mentioned_list: texts, mentioned_mobile_list: texts },
      },
    },
  },
  {
    title: 'WeCom markdown',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'markdown'],
    properties: {
      msgtype: { const: 'markdown' },
      markdown: { type: 'object', additionalProperties: false, required: ['content'], properties: { content: text } },
    },
  },
  {
    title: 'WeCom news',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'news'],
    properties: {
      msgtype: { const: 'news' },
      news: {
        type: 'object',
        additionalProperties: false,
        required: ['articles'],
        properties: {
          articles: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['title', 'url'],
              properties: { title: text, description: text, url: text, picurl: text },
            },
          },
        },
      },
    },
  },
  {
    title: 'WeCom image',
    type: 'object',
    additionalProperties: false,
    required: ['msgtype', 'image'],
    description: 'A screenshot that follows a push: base64 of its bytes and their md5 (hex)',
    properties: {
      msgtype: { const: 'image' },
      image: { type: 'object', additionalProperties: false, required: ['base64', 'md5'], properties: { base64: text, md5: text } },
    },
  },
] as const;

const feishuSignature = { timestamp: text, sign: text } as const;
const plainText = {
  type: 'object',
  additionalProperties: false,
  required: ['tag', 'content'],
  properties: { tag: { const: 'plain_text' }, content: text },
} as const;

const feishuBodies = [
  {
    title: 'Feishu text',
    type: 'object',
    additionalProperties: false,
    required: ['msg_type', 'content'],
    properties: {
      msg_type: { const: 'text' },
      content: { type: 'object', additionalProperties: false, required: ['text'], properties: { text } },
      ...feishuSignature,
    },
  },
  {
    title: 'Feishu interactive card',
    type: 'object',
    additionalProperties: false,
    required: ['msg_type', 'card'],
    properties: {
      msg_type: { const: 'interactive' },
      card: {
        type: 'object',
        additionalProperties: false,
        required: ['config', 'elements'],
        properties: {
          config: {
            type: 'object',
            additionalProperties: false,
            required: ['wide_screen_mode'],
            properties: { wide_screen_mode: { const: true } },
          },
          header: { type: 'object', additionalProperties: false, required: ['title'], properties: { title: plainText } },
          elements: {
            type: 'array',
            items: {
              anyOf: [
                {
                  type: 'object',
                  additionalProperties: false,
                  required: ['tag', 'content'],
                  properties: { tag: { const: 'markdown' }, content: text },
                },
                {
                  type: 'object',
                  additionalProperties: false,
                  required: ['tag', 'actions'],
                  properties: {
                    tag: { const: 'action' },
                    actions: {
                      type: 'array',
                      items: {
                        type: 'object',
                        additionalProperties: false,
                        required: ['tag', 'text', 'url', 'type'],
                        properties: { tag: { const: 'button' }, text: plainText, url: text, type: { const: 'default' } },
                      },
                    },
                  },
                },
              ],
            },
          },
        },
      },
      ...feishuSignature,
    },
  },
] as const;

/** A DingTalk app robot's message: a msgKey and its msgParam, a JSON string (the group and robot code are added when sent). */
const dingTalkAppBodies = [
  {
    title: 'DingTalk app robot message',
    type: 'object',
    additionalProperties: false,
    required: ['msgKey', 'msgParam'],
    properties: {
      msgKey: {
        enum: [
          'sampleText',
          'sampleMarkdown',
          'sampleLink',
          'sampleActionCard',
          'sampleActionCard2',
          'sampleActionCard3',
          'sampleActionCard4',
          'sampleActionCard5',
          'sampleImageMsg',
          'feedCard',
        ],
        description: "DingTalk's msgKey; feedCard (not DingTalk's) is a feed card refused before sending, which an app robot cannot send",
      },
      msgParam: { type: 'string', description: "The message's fields as a JSON string (at most 15,000 bytes), as DingTalk takes it" },
    },
  },
] as const;

/** A body as sent; Feishu's signature is added on the wire and not kept. */
export const channelMessageSchema = {
  $id: 'ChannelMessage',
  description:
    "A chat service's message body exactly as sent: DingTalk's, WeCom's (both say msgtype), Feishu's (msg_type) or a DingTalk app robot's (msgKey)",
  anyOf: [...dingTalkBodies, ...weComBodies, ...feishuBodies, ...dingTalkAppBodies],
} as const;

export const dingTalkMessageSchema = { anyOf: dingTalkBodies } as const;
export const weComMessageSchema = { anyOf: weComBodies } as const;
export const feishuMessageSchema = { anyOf: feishuBodies } as const;
export const dingTalkAppMessageSchema = { anyOf: dingTalkAppBodies } as const;

export type DingTalkBody = FromSchema<typeof dingTalkMessageSchema>;
export type WeComBody = FromSchema<typeof weComMessageSchema>;
export type FeishuBody = FromSchema<typeof feishuMessageSchema>;
export type DingTalkAppBody = FromSchema<typeof dingTalkAppMessageSchema>;
