// Every HTTP route with what it takes and who may call it: the source of the OpenAPI document.
// serverless.yml declares the same routes; a test holds the two together.
import { reportReadyEventSchema } from './event';
import { alertmanagerPayloadSchema, grafanaPayloadSchema, metabasePayloadSchema, supersetPayloadSchema } from './sources';
import { bulkResendSchema, listPushRecordsQuerySchema, pushStatisticsQuerySchema } from './pushRecord';
import { createRobotSchema, listRobotsQuerySchema, testRobotSchema, updateRobotSchema } from './robot';
import {
  createFromStarterSchema,
  draftPreviewSchema,
  listTemplatesQuerySchema,
  templateInputSchema,
  templatePreviewSchema,
} from './template';

export interface RouteDescription {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  scope: 'open' | 'admin' | 'publisher';
  body?: { $id: string };
  /** The body may be left out (every field has a default). */
  bodyOptional?: boolean;
  /** Also takes the body as multipart/form-data, in this shape (file parts are screenshots). */
  multipart?: object;
  /** What a success answers when it is not JSON. */
  successType?: string;
  query?: { $id: string; properties: Record<string, object> };
  success: number;
  /** Answers 503 while an earlier delivery of the same notification is still being queued: the tools retry a 5xx. */
  tryAgainLater?: true;
}

const screenshotParts = {
  type: 'array',
  items: { type: 'string', contentMediaType: 'image/png' },
  description: 'One file part per image (PNG, JPEG or GIF)',
} as const;
const eventForm = {
  type: 'object',
  required: ['event'],
  properties: { event: { type: 'string', description: 'The JSON ReportReadyEvent' }, screenshot: screenshotParts },
} as const;
const supersetForm = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    header: { type: 'string', description: 'JSON' },
    text: { type: 'string' },
    description: { type: 'string' },
    url: { type: 'string' },
    files: screenshotParts,
  },
} as const;

export const routes: RouteDescription[] = [
  { method: 'GET', path: '/health', summary: 'Liveness check', scope: 'open', success: 200 },
  { method: 'GET', path: '/openapi.json', summary: 'This document', scope: 'open', success: 200 },
  { method: 'GET', path: '/', summary: 'The admin web console', scope: 'open', success: 200 },
  { method: 'GET', path: '/console/app.js', summary: 'The console script', scope: 'open', success: 200 },
  {
    method: 'GET',
    path: '/images/{id}',
    summary: 'A stored report screenshot (the unguessable id grants access)',
    scope: 'open',
    success: 200,
    successType: 'image/*',
  },
  { method: 'POST', path: '/templates', summary: 'Create a template', scope: 'admin', body: templateInputSchema, success: 201 },
  {
    method: 'GET',
    path: '/templates',
    summary: 'List templates (keyword on name)',
    scope: 'admin',
    query: listTemplatesQuerySchema,
    success: 200,
  },
  { method: 'GET', path: '/templates/{id}', summary: 'Read a template', scope: 'admin', success: 200 },
  {
    method: 'PUT',
    path: '/templates/{id}',
    summary: 'Replace a template (bumps version)',
    scope: 'admin',
    body: templateInputSchema,
    success: 200,
  },
  { method: 'DELETE', path: '/templates/{id}', summary: 'Delete a template no robot uses', scope: 'admin', success: 204 },
  {
    method: 'POST',
    path: '/templates/{id}/preview',
    summary: 'Render sample data into the exact DingTalk body',
    scope: 'admin',
    body: templatePreviewSchema,
    success: 200,
  },
  {
    method: 'POST',
    path: '/template-previews',
    summary: 'Render a template that is not saved yet (live preview)',
    scope: 'admin',
    body: draftPreviewSchema,
    success: 200,
  },
  {
    method: 'GET',
    path: '/template-starters',
    summary: "Ready templates for the tools' events (Alertmanager, Grafana, Superset, Metabase), in zh-CN and en",
    scope: 'admin',
    success: 200,
  },
  {
    method: 'POST',
    path: '/template-starters/{id}',
    summary: 'Create a template from a starter, in one language (default zh-CN)',
    scope: 'admin',
    body: createFromStarterSchema,
    bodyOptional: true,
    success: 201,
  },
  { method: 'POST', path: '/robots', summary: 'Register a robot', scope: 'admin', body: createRobotSchema, success: 201 },
  {
    method: 'GET',
    path: '/robots',
    summary: 'List robots (keyword on name, enabled)',
    scope: 'admin',
    query: listRobotsQuerySchema,
    success: 200,
  },
  { method: 'GET', path: '/robots/{id}', summary: 'Read a robot', scope: 'admin', success: 200 },
  { method: 'PATCH', path: '/robots/{id}', summary: 'Change a robot', scope: 'admin', body: updateRobotSchema, success: 200 },
  { method: 'DELETE', path: '/robots/{id}', summary: 'Delete a robot', scope: 'admin', success: 204 },
  { method: 'POST', path: '/robots/{id}/enable', summary: 'Enable a robot', scope: 'admin', success: 200 },
  { method: 'POST', path: '/robots/{id}/disable', summary: 'Disable a robot', scope: 'admin', success: 200 },
  {
    method: 'POST',
    path: '/robots/{id}/test',
    summary: 'Send one test message now',
    scope: 'admin',
    body: testRobotSchema,
    bodyOptional: true,
    success: 200,
  },
  {
    method: 'POST',
    path: '/events/report-ready',
    summary: 'A report is ready: fan out push jobs',
    scope: 'publisher',
    body: reportReadyEventSchema,
    multipart: eventForm,
    success: 202,
  },
  {
    method: 'POST',
    path: '/events/alertmanager',
    summary: "Prometheus Alertmanager's webhook (version 4), fanned out as a report event",
    scope: 'publisher',
    body: alertmanagerPayloadSchema,
    success: 202,
    tryAgainLater: true,
  },
  {
    method: 'POST',
    path: '/events/grafana',
    summary: "Grafana's webhook contact point, fanned out as a report event",
    scope: 'publisher',
    body: grafanaPayloadSchema,
    success: 202,
    tryAgainLater: true,
  },
  {
    method: 'POST',
    path: '/events/superset',
    summary: "Apache Superset's alert/report webhook (JSON, or multipart with screenshots)",
    scope: 'publisher',
    body: supersetPayloadSchema,
    multipart: supersetForm,
    success: 202,
    tryAgainLater: true,
  },
  {
    method: 'POST',
    path: '/events/metabase',
    summary: "Metabase's alert webhook (its PNG chart becomes an image)",
    scope: 'publisher',
    body: metabasePayloadSchema,
    success: 202,
    tryAgainLater: true,
  },
  {
    method: 'GET',
    path: '/push-records',
    summary: 'List push records, newest first',
    scope: 'admin',
    query: listPushRecordsQuerySchema,
    success: 200,
  },
  {
    method: 'GET',
    path: '/push-statistics',
    summary: 'Pushes per day by status (sent, failed, skipped)',
    scope: 'admin',
    query: pushStatisticsQuerySchema,
    success: 200,
  },
  { method: 'GET', path: '/push-records/{id}', summary: 'A push record with the content sent', scope: 'admin', success: 200 },
  { method: 'POST', path: '/push-records/{id}/resend', summary: 'Queue the push again as a new record', scope: 'admin', success: 202 },
  {
    method: 'POST',
    path: '/push-records/{id}/confirm',
    summary: 'Mark an unconfirmed push delivered (an admin saw it in the group)',
    scope: 'admin',
    success: 200,
  },
  {
    method: 'POST',
    path: '/push-records/resend',
    summary: 'Resend the failed or unconfirmed pushes a filter matches, a page per call',
    scope: 'admin',
    body: bulkResendSchema,
    success: 202,
  },
];
