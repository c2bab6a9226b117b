// A push job as it travels on the push-jobs FIFO queue (message group = robot). Everything else the worker
// needs it reads fresh. Unknown fields are accepted and ignored, so a job queued by the previous version
// of the service is processed by the next one (rolling deploys).
import type { FromSchema } from 'json-schema-to-ts';
import { maxImagesPerEvent, reportImageSchema, reportReadyEventSchema } from './event';

const { robotIds: _robotIds, images: _imageInputs, ...eventFields } = reportReadyEventSchema.properties;
// images travel as stored (their URLs), never as the bytes the publisher sent
const reportFields = { ...eventFields, images: { type: 'array', maxItems: maxImagesPerEvent, items: reportImageSchema } } as const;

/** Bumped when a field changes meaning; a worker reads every version it knows of. */
export const pushJobVersion = 2;

export const pushJobSchema = {
  $id: 'PushJob',
  type: 'object',
  required: ['recordId', 'robotId', 'report'],
  properties: {
    v: { type: 'integer', minimum: 1 },
    recordId: { type: 'string', minLength: 1, maxLength: 128 },
    /** The workspace it was published in (jobs queued before workspaces existed have none: `default`). */
    workspaceId: { type: 'string', minLength: 1, maxLength: 64 },
    robotId: { type: 'string', minLength: 1, maxLength: 128 },
    correlationId: { type: 'string', maxLength: 200 },
    /** When the intake queued the job: the record's createdAt, so a record created by the worker sorts by its event. */
    queuedAt: { type: 'string', format: 'date-time' },
    /** The robot's name and template at intake: what the record shows if the robot is gone by the time the job runs. */
    robotName: { type: 'string', maxLength: 200 },
    templateId: { type: 'string', maxLength: 128 },
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
  required: ['kind', 'report', 'from'],
  properties: {
    v: pushJobSchema.properties.v,
    kind: { const: 'fanOut' },
    workspaceId: pushJobSchema.properties.workspaceId,
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

/** A robot's quiet hours ended: its held pushes go out, in its message group, ahead of anything queued later. */
export const releaseJobSchema = {
  $id: 'ReleaseJob',
  type: 'object',
  required: ['kind', 'robotId'],
  properties: {
    v: pushJobSchema.properties.v,
    kind: { const: 'release' },
    workspaceId: pushJobSchema.properties.workspaceId,
    robotId: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

export type ReleaseJob = FromSchema<typeof releaseJobSchema>;
