// Report-ready events from the BI platform.
import type { FromSchema } from 'json-schema-to-ts';
import { reportDataSchema } from './common';

export const reportReadyEventSchema = {
  $id: 'ReportReadyEvent',
  type: 'object',
  additionalProperties: false,
  required: ['eventId', 'reportId', 'reportName'],
  properties: {
    eventId: { type: 'string', minLength: 1, maxLength: 200, pattern: '^\\S+$' },
    reportId: { type: 'string', minLength: 1, maxLength: 200, pattern: '^\\S+$' },
    reportName: { type: 'string', minLength: 1, maxLength: 500 },
    occurredAt: { type: 'string', format: 'date-time' },
    url: { type: 'string', maxLength: 2000, format: 'uri' },
    data: reportDataSchema,
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
