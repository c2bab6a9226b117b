// Webhook payloads of the tools BI teams already run, named as each tool names its fields. Each tool
// adds fields over its versions, so fields not listed here are accepted; the ones dingpush reads are checked.
import type { FromSchema } from 'json-schema-to-ts';
import { imageContentTypes, imageInputSchema, maxImagesPerEvent } from './event';

const stringMap = { type: 'object', additionalProperties: { type: 'string', maxLength: 20000 } } as const;
const alertStatus = { type: 'string', enum: ['firing', 'resolved'] } as const;
/** A name that becomes part of a reportId (`<source>:<name>`, at most 200 characters). */
const reportName = { type: 'string', minLength: 1, maxLength: 180, pattern: '^\\S(.*\\S)?$' } as const;
const maxAlerts = 1000;

/** Metabase's chart: a data URL of one of the image types an event takes (the bytes follow the comma). */
export const imageDataUrlPattern = `^data:(${imageContentTypes.join('|')});base64,`;

/** What Alertmanager and Grafana (whose alerting is Alertmanager's) both send about a group of alerts. */
const alertGroupProperties = {
  status: alertStatus,
  receiver: reportName,
  groupKey: { type: 'string' },
  truncatedAlerts: { type: 'integer', minimum: 0 },
  groupLabels: stringMap,
  commonLabels: stringMap,
  commonAnnotations: stringMap,
  externalURL: { type: 'string' },
} as const;

/** ... and about each alert of it. */
const alertProperties = {
  status: alertStatus,
  labels: stringMap,
  annotations: stringMap,
  startsAt: { type: 'string' },
  endsAt: { type: 'string' },
  generatorURL: { type: 'string' },
  fingerprint: { type: 'string' },
} as const;

const alertsOf = <P extends object>(properties: P) =>
  ({ type: 'array', minItems: 1, maxItems: maxAlerts, items: { type: 'object', required: ['status', 'labels'], properties } }) as const;

/** Prometheus Alertmanager's webhook, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const alertmanagerPayloadSchema = {
  $id: 'AlertmanagerWebhook',
  type: 'object',
  required: ['version', 'status', 'receiver', 'alerts'],
  properties: {
    version: { type: 'string', const: '4' },
    ...alertGroupProperties,
    alerts: alertsOf(alertProperties),
  },
} as const;

export type AlertmanagerPayload = FromSchema<typeof alertmanagerPayloadSchema>;

/** Grafana adds the values that fired, its links and a panel's screenshot to each alert. */
const grafanaAlertProperties = {
  ...alertProperties,
  values: { type: ['object', 'null'] },
  valueString: { type: 'string' },
  silenceURL: { type: 'string' },
  dashboardURL: { type: 'string' },
  panelURL: { type: 'string' },
  imageURL: { type: 'string' },
} as const;

/** Grafana Alerting's webhook contact point (docs: alerting/.../integrations/webhook-notifier). */
export const grafanaPayloadSchema = {
  $id: 'GrafanaWebhook',
  type: 'object',
  required: ['receiver', 'status', 'alerts'],
  properties: {
    ...alertGroupProperties,
    orgId: { type: 'integer' },
    version: { type: 'string' },
    title: { type: 'string' },
    state: { type: 'string' },
    message: { type: 'string' },
    alerts: alertsOf(grafanaAlertProperties),
  },
} as const;

export type GrafanaPayload = FromSchema<typeof grafanaPayloadSchema>;

/**
 * Apache Superset's alert/report webhook (superset/reports/notifications/webhook.py): JSON, or with
 * attachments multipart/form-data whose files become `images` here (only the screenshots; CSV, XLSX and PDF are left out).
 */
export const supersetPayloadSchema = {
  $id: 'SupersetWebhook',
  type: 'object',
  required: ['name'],
  properties: {
    name: reportName,
    header: {
      type: 'object',
      properties: {
        notification_format: { type: ['string', 'null'] },
        notification_type: { type: ['string', 'null'] },
        notification_source: { type: ['string', 'null'] },
        chart_id: { type: ['integer', 'null'] },
        dashboard_id: { type: ['integer', 'null'] },
      },
    },
    text: { type: ['string', 'null'], maxLength: 20000 },
    description: { type: ['string', 'null'], maxLength: 20000 },
    url: { type: ['string', 'null'], maxLength: 2000 },
    images: { type: 'array', maxItems: maxImagesPerEvent, items: imageInputSchema },
  },
} as const;

export type SupersetPayload = FromSchema<typeof supersetPayloadSchema>;

/** Metabase's alert webhook (src/metabase/channel/impl/http.clj): the chart as a base64 PNG data URL. */
export const metabasePayloadSchema = {
  $id: 'MetabaseWebhook',
  type: 'object',
  required: ['type', 'data'],
  properties: {
    type: { type: 'string', const: 'alert' },
    // null for a test alert sent from the admin settings
    alert_id: { type: ['integer', 'null'] },
    alert_creator_id: { type: ['integer', 'null'] },
    alert_creator_name: { type: ['string', 'null'] },
    sent_at: { type: 'string' },
    data: {
      type: 'object',
      required: ['question_name'],
      properties: {
        type: { type: 'string' },
        question_id: { type: ['integer', 'null'] },
        question_name: { type: 'string', minLength: 1, maxLength: 500 },
        question_url: { type: ['string', 'null'], maxLength: 2000 },
        // 5 MB of PNG is about 7 million base64 characters; the bytes are checked after decoding
        visualization: { type: ['string', 'null'], maxLength: 7_100_000, pattern: imageDataUrlPattern },
        raw_data: {
          type: 'object',
          properties: {
            cols: { type: 'array', items: { type: 'string' } },
            rows: { type: 'array', items: { type: 'array' } },
          },
        },
      },
    },
  },
} as const;

export type MetabasePayload = FromSchema<typeof metabasePayloadSchema>;

export const toolSources = ['alertmanager', 'grafana', 'superset', 'metabase'] as const;
export type ToolSource = (typeof toolSources)[number];
