// A push job as it travels on the push-jobs queue. Everything else the worker needs it reads fresh.
import type { FromSchema } from 'json-schema-to-ts';
import { reportReadyEventSchema } from './event';

const { robotIds: _robotIds, ...reportFields } = reportReadyEventSchema.properties;

export const pushJobSchema = {
  $id: 'PushJob',
  type: 'object',
  additionalProperties: false,
  required: ['recordId', 'robotId', 'report'],
  properties: {
    recordId: { type: 'string', minLength: 1, maxLength: 128 },
    robotId: { type: 'string', minLength: 1, maxLength: 128 },
    correlationId: { type: 'string', maxLength: 200 },
    /** When the intake queued the job: the record's createdAt, so a record created by the worker sorts by its event. */
    queuedAt: { type: 'string', format: 'date-time' },
    /** The robot's name and template at intake: what the record shows if the robot is gone by the time the job runs. */
    robotName: { type: 'string', maxLength: 200 },
    templateId: { type: 'string', maxLength: 128 },
    /** A rate-limit slot this job reserved before it went back to the queue (ms since epoch): it sends then. */
    reservedSlotAt: { type: 'integer', minimum: 0 },
    /**
     * The job may not be the first for its record (put back by the worker or the sweeper, a resend, a
     * redelivered message, a repeated fan-out): the worker reads the record first and sends nothing if it
     * is finished. A first job skips that read; a copy running at the same time meets the claim in the send log.
     */
    recordExists: { type: 'boolean' },
    /** The lease of this job's claim on its record from an earlier pass (ms since epoch): it may take the claim again. */
    claimedUntil: { type: 'integer', minimum: 0 },
    /** How often this job already went back to the queue because our own infrastructure failed. */
    infrastructureRetries: { type: 'integer', minimum: 0, maximum: 1000 },
    report: {
      type: 'object',
      additionalProperties: false,
      required: ['eventId', 'reportId', 'reportName'],
      properties: reportFields,
    },
  },
} as const;

export type PushJob = FromSchema<typeof pushJobSchema>;

/** The rest of a large fan-out, handed to the workers a page at a time so the intake answers at once. */
export const fanOutJobSchema = {
  $id: 'FanOutJob',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'report', 'from'],
  properties: {
    kind: { const: 'fanOut' },
    infrastructureRetries: pushJobSchema.properties.infrastructureRetries,
    /** This fan-out may have run before (a resumed intake, a redelivered page): its push jobs check their records first. */
    repeated: { type: 'boolean' },
    report: pushJobSchema.properties.report,
    /** Where the next page of subscribers starts (robotsStore.subscribersPage). */
    from: {
      type: 'object',
      additionalProperties: false,
      required: ['partition'],
      properties: {
        partition: { type: 'integer', minimum: 0, maximum: 1 },
        after: {
          type: 'object',
          additionalProperties: false,
          required: ['pk', 'sk'],
          properties: { pk: { type: 'string', maxLength: 400 }, sk: { type: 'string', maxLength: 400 } },
        },
      },
    },
  },
} as const;

export type FanOutJob = FromSchema<typeof fanOutJobSchema>;
