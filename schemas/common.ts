// Building blocks shared by the request schemas.

export const nameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
} as const;

export const idSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const timeSchema = { type: 'string', format: 'date-time' } as const;

/** A list page's pointer to the next. */
export const nextCursorSchema = {
  type: ['string', 'null'],
  description: 'Pass as `cursor` for the next page; null on the last page',
} as const;

export const limitQuerySchema = { type: 'integer', minimum: 1, maximum: 100 } as const;

export const cursorQuerySchema = { type: 'string', minLength: 1, maxLength: 2048 } as const;

export const keywordQuerySchema = { type: 'string', maxLength: 200 } as const;

/** Report data handed to Mustache: any JSON object, nested no deeper than DynamoDB can store. */
export const reportDataSchema = {
  type: 'object',
  additionalProperties: true,
  maxDepth: 16,
  description: 'Free-form report data the template reads (any JSON object, nested up to 16 levels)',
} as const;

/** Who a push mentions in the group; DingTalk takes at most what these limits allow. */
export const mentionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    atMobiles: {
      type: 'array',
      maxItems: 20,
      uniqueItems: true,
      items: { type: 'string', pattern: '^\\+?[0-9][0-9-]{3,19}$' },
    },
    atUserIds: {
      type: 'array',
      maxItems: 20,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 100, pattern: '^\\S+$' },
    },
    isAtAll: { type: 'boolean' },
  },
} as const;

/** A report id: `<source>:<name>` for the tools' events, so inner spaces are allowed (a Grafana contact point's name has them). */
export const reportIdSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: '^\\S(.*\\S)?$' } as const;
