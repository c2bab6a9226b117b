// Building blocks shared by the request schemas.

export const nameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
} as const;

export const idSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const limitQuerySchema = { type: 'integer', minimum: 1, maximum: 100 } as const;

export const cursorQuerySchema = { type: 'string', minLength: 1, maxLength: 2048 } as const;

export const keywordQuerySchema = { type: 'string', maxLength: 200 } as const;

/** Report data handed to Mustache: any JSON object, nested no deeper than DynamoDB can store. */
export const reportDataSchema = { type: 'object', maxDepth: 16 } as const;
