// Report-ready events from the BI platform.
import type { FromSchema } from 'json-schema-to-ts';
import { mentionSchema, reportDataSchema, reportIdSchema } from './common';

/** What a screenshot may be (checked by its bytes) and how many an event carries. */
export const imageContentTypes = ['image/png', 'image/jpeg', 'image/gif'] as const;
export const maxImagesPerEvent = 5;

const imageNameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
const imageUrlSchema = { type: 'string', maxLength: 2000, format: 'uri', pattern: '^https?://' } as const;

/** A screenshot as the publisher sends it: its bytes (base64; checked by content) or a URL it hosts. */
export const imageInputSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['contentType', 'data'],
      properties: {
        name: imageNameSchema,
        contentType: { type: 'string', enum: imageContentTypes },
        // 5 MB decoded is about 7 million base64 characters; the bytes are checked after decoding
        data: { type: 'string', minLength: 1, maxLength: 7_100_000 },
      },
    },
    { type: 'object', additionalProperties: false, required: ['url'], properties: { name: imageNameSchema, url: imageUrlSchema } },
  ],
} as const;

/** A screenshot as events, jobs and templates carry it once accepted: `id` for the images stored here. */
export const reportImageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'url'],
  properties: {
    name: imageNameSchema,
    url: imageUrlSchema,
    id: { type: 'string', minLength: 22, maxLength: 64 },
    contentType: { type: 'string', enum: imageContentTypes },
    bytes: { type: 'integer', minimum: 0 },
  },
} as const;

export const reportReadyEventSchema = {
  $id: 'ReportReadyEvent',
  type: 'object',
  additionalProperties: false,
  required: ['eventId', 'reportId', 'reportName'],
  properties: {
    eventId: { type: 'string', minLength: 1, maxLength: 200, pattern: '^\\S+$' },
    reportId: reportIdSchema,
    reportName: { type: 'string', minLength: 1, maxLength: 500 },
    occurredAt: { type: 'string', format: 'date-time' },
    url: { type: 'string', maxLength: 2000, format: 'uri' },
    data: reportDataSchema,
    images: { type: 'array', maxItems: maxImagesPerEvent, items: imageInputSchema },
    /** Added to the robot's own mentions (an alert's `atMobiles` annotation, for one). */
    mention: mentionSchema,
    /** Sent at once, even inside a robot's quiet hours (a firing critical alert, say). */
    urgent: { type: 'boolean' },
    robotIds: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 128 },
    },
  },
} as const;

export type ReportReadyEvent = FromSchema<typeof reportReadyEventSchema>;
