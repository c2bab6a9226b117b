// Every HTTP route, declared once, keyed by its operationId: the deploy template's function events
// (scripts/httpEvents.cjs), each function's dispatch and role check (functions/http/httpFunction.ts), the
// OpenAPI document (lib/openapi.ts) and the tests' in-process API Gateway all read this table.
import type { AuditAction } from '../lib/audit/auditEvent';
import type { RouteRole } from '../lib/auth/roles';
import { reportReadyEventSchema } from './event';
import {
  createDingTalkAppSchema,
  dingtalkAppPageSchema,
  dingtalkAppSchema,
  dingtalkCallbackAnswerSchema,
  dingtalkGroupListSchema,
  updateDingTalkAppSchema,
} from './dingtalkApp';
import {
  apiTokenPageSchema,
  apiTokenSchema,
  auditEventPageSchema,
  createTokenSchema,
  createWorkspaceSchema,
  exportAuditEventsQuerySchema,
  listAuditEventsQuerySchema,
  listQuerySchema,
  newApiTokenSchema,
  rotateTokenSchema,
  updateWorkspaceSchema,
  whoamiSchema,
  workspaceListSchema,
  workspaceSchema,
} from './teams';
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
import {
  bulkResendResultSchema,
  healthSchema,
  intakeResultSchema,
  openApiDocumentSchema,
  previewSchema,
  pushRecordPageSchema,
  pushRecordSchema,
  pushStatisticsSchema,
  resendResultSchema,
  robotPageSchema,
  robotSchema,
  starterListSchema,
  templatePageSchema,
  templateSchema,
} from './responses';

/** The Lambda functions that serve HTTP (functions/<name>.ts exports `handler`). */
export type HttpFunctionName =
  'health' | 'openapi' | 'console' | 'images' | 'templates' | 'robots' | 'events' | 'pushRecords' | 'teams' | 'dingtalkApps';

/** Errors a route answers beyond those its shape implies (see lib/openapi.ts, `errorStatuses`). */
export type DomainErrorStatus = 401 | 404 | 409 | 422 | 503;

interface Schema {
  $id: string;
}

export interface RouteDeclaration {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  function: HttpFunctionName;
  /** The least role that may call it (lib/auth/roles.ts); `open` needs no token. */
  role: RouteRole;
  /** The audit event a success writes with its change (lib/audit/auditEvent.ts); absent for routes that change no setting. */
  audit?: AuditAction;
  body?: Schema;
  /** The body may be left out (every field has a default). */
  bodyOptional?: boolean;
  /** Also takes the body as multipart/form-data, in this shape (file parts are screenshots). */
  multipart?: object;
  query?: Schema & { properties: Record<string, object> };
  success: 200 | 201 | 202 | 204;
  /** The success body: a schema for JSON, or the media types of what is not JSON. */
  answers?: Schema | { mediaTypes: readonly string[] };
  /** Headers the success carries, with what each says. */
  answerHeaders?: Record<string, string>;
  errors?: readonly DomainErrorStatus[];
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

const templates = { function: 'templates', role: 'editor' } as const;
const robots = { function: 'robots', role: 'editor' } as const;
const records = { function: 'pushRecords', role: 'editor' } as const;
const teams = { function: 'teams' } as const;
const dingtalkApps = { function: 'dingtalkApps' } as const;
/** Reading (and previewing) is for viewers. */
const reading = { role: 'viewer' } as const;
/** The tools retry a 5xx: 503 while an earlier delivery of the same notification is still being queued. */
const toolWebhook = {
  method: 'POST',
  function: 'events',
  role: 'publisher',
  success: 202,
  answers: intakeResultSchema,
  errors: [503],
} as const;

export const routes = {
  getHealth: {
    method: 'GET',
    path: '/health',
    summary: 'Liveness check',
    function: 'health',
    role: 'open',
    success: 200,
    answers: healthSchema,
  },
  getOpenApiDocument: {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    function: 'openapi',
    role: 'open',
    success: 200,
    answers: openApiDocumentSchema,
  },
  getConsole: {
    method: 'GET',
    path: '/',
    summary: 'The admin web console (it asks for the admin token)',
    function: 'console',
    role: 'open',
    success: 200,
    answers: { mediaTypes: ['text/html'] },
  },
  getConsoleScript: {
    method: 'GET',
    path: '/console/app.js',
    summary: 'The console script',
    function: 'console',
    role: 'open',
    success: 200,
    answers: { mediaTypes: ['text/javascript'] },
  },
  getImage: {
    method: 'GET',
    path: '/images/{id}',
    summary: 'A stored report screenshot (the unguessable id grants access)',
    function: 'images',
    role: 'open',
    success: 200,
    answers: { mediaTypes: ['image/png', 'image/jpeg', 'image/gif'] },
  },
  createTemplate: {
    audit: 'template.create',
    ...templates,
    method: 'POST',
    path: '/templates',
    summary: 'Create a template',
    body: templateInputSchema,
    success: 201,
    answers: templateSchema,
    errors: [409, 422],
  },
  listTemplates: {
    ...templates,
    ...reading,
    method: 'GET',
    path: '/templates',
    summary: 'List templates (keyword on name)',
    query: listTemplatesQuerySchema,
    success: 200,
    answers: templatePageSchema,
  },
  getTemplate: {
    ...templates,
    ...reading,
    method: 'GET',
    path: '/templates/{id}',
    summary: 'Read a template',
    success: 200,
    answers: templateSchema,
  },
  replaceTemplate: {
    audit: 'template.update',
    ...templates,
    method: 'PUT',
    path: '/templates/{id}',
    summary: 'Replace a template (bumps version)',
    body: templateInputSchema,
    success: 200,
    answers: templateSchema,
    errors: [409, 422],
  },
  deleteTemplate: {
    audit: 'template.delete',
    ...templates,
    method: 'DELETE',
    path: '/templates/{id}',
    summary: 'Delete a template no robot uses',
    success: 204,
    errors: [409],
  },
  previewTemplate: {
    ...templates,
    ...reading,
    method: 'POST',
    path: '/templates/{id}/preview',
    summary: 'Render sample data into the exact DingTalk body',
    body: templatePreviewSchema,
    bodyOptional: true,
    success: 200,
    answers: previewSchema,
    errors: [422],
  },
  previewDraftTemplate: {
    ...templates,
    ...reading,
    method: 'POST',
    path: '/template-previews',
    summary: 'Render a template that is not saved yet (live preview)',
    body: draftPreviewSchema,
    success: 200,
    answers: previewSchema,
    errors: [404, 422],
  },
  listTemplateStarters: {
    ...templates,
    ...reading,
    method: 'GET',
    path: '/template-starters',
    summary: "Ready templates for the tools' events (Alertmanager, Grafana, Superset, Metabase), in zh-CN and en",
    success: 200,
    answers: starterListSchema,
  },
  createTemplateFromStarter: {
    audit: 'template.create',
    ...templates,
    method: 'POST',
    path: '/template-starters/{id}',
    summary: 'Create a template from a starter, in one language (default zh-CN)',
    body: createFromStarterSchema,
    bodyOptional: true,
    success: 201,
    answers: templateSchema,
    errors: [409],
  },
  createRobot: {
    audit: 'robot.create',
    ...robots,
    method: 'POST',
    path: '/robots',
    summary: 'Register a robot',
    body: createRobotSchema,
    success: 201,
    answers: robotSchema,
    errors: [404, 409],
  },
  listRobots: {
    ...robots,
    ...reading,
    method: 'GET',
    path: '/robots',
    summary: 'List robots (keyword on name, enabled)',
    query: listRobotsQuerySchema,
    success: 200,
    answers: robotPageSchema,
  },
  getRobot: { ...robots, ...reading, method: 'GET', path: '/robots/{id}', summary: 'Read a robot', success: 200, answers: robotSchema },
  updateRobot: {
    audit: 'robot.update',
    ...robots,
    method: 'PATCH',
    path: '/robots/{id}',
    summary: 'Change a robot',
    body: updateRobotSchema,
    success: 200,
    answers: robotSchema,
    errors: [409],
  },
  deleteRobot: {
    audit: 'robot.delete',
    ...robots,
    method: 'DELETE',
    path: '/robots/{id}',
    summary: 'Delete a robot',
    success: 204,
    errors: [409],
  },
  enableRobot: {
    audit: 'robot.enable',
    ...robots,
    method: 'POST',
    path: '/robots/{id}/enable',
    summary: 'Enable a robot',
    success: 200,
    answers: robotSchema,
  },
  disableRobot: {
    audit: 'robot.disable',
    ...robots,
    method: 'POST',
    path: '/robots/{id}/disable',
    summary: 'Disable a robot',
    success: 200,
    answers: robotSchema,
  },
  testRobot: {
    ...robots,
    method: 'POST',
    path: '/robots/{id}/test',
    summary: 'Send one test message now; answers its record when it is finished, or queued after about 12 s',
    body: testRobotSchema,
    bodyOptional: true,
    success: 200,
    answers: pushRecordSchema,
    errors: [422],
  },
  publishReportReady: {
    method: 'POST',
    path: '/events/report-ready',
    summary: 'A report is ready: fan out push jobs',
    function: 'events',
    role: 'publisher',
    body: reportReadyEventSchema,
    multipart: eventForm,
    success: 202,
    answers: intakeResultSchema,
    errors: [409],
  },
  publishAlertmanager: {
    ...toolWebhook,
    path: '/events/alertmanager',
    summary: "Prometheus Alertmanager's webhook (version 4), fanned out as a report event",
    body: alertmanagerPayloadSchema,
  },
  publishGrafana: {
    ...toolWebhook,
    path: '/events/grafana',
    summary: "Grafana's webhook contact point, fanned out as a report event",
    body: grafanaPayloadSchema,
  },
  publishSuperset: {
    ...toolWebhook,
    path: '/events/superset',
    summary: "Apache Superset's alert/report webhook (JSON, or multipart with screenshots)",
    body: supersetPayloadSchema,
    multipart: supersetForm,
  },
  publishMetabase: {
    ...toolWebhook,
    path: '/events/metabase',
    summary: "Metabase's alert webhook (its PNG chart becomes an image)",
    body: metabasePayloadSchema,
  },
  listPushRecords: {
    ...records,
    ...reading,
    method: 'GET',
    path: '/push-records',
    summary: 'List push records, newest first',
    query: listPushRecordsQuerySchema,
    success: 200,
    answers: pushRecordPageSchema,
  },
  getPushStatistics: {
    ...records,
    ...reading,
    method: 'GET',
    path: '/push-statistics',
    summary: 'Pushes per day by status (sent, failed, skipped)',
    query: pushStatisticsQuerySchema,
    success: 200,
    answers: pushStatisticsSchema,
  },
  getPushRecord: {
    ...records,
    ...reading,
    method: 'GET',
    path: '/push-records/{id}',
    summary: 'A push record with the content sent',
    success: 200,
    answers: pushRecordSchema,
  },
  resendPushRecord: {
    audit: 'push-record.resend',
    ...records,
    method: 'POST',
    path: '/push-records/{id}/resend',
    summary: 'Queue the push again as a new record',
    success: 202,
    answers: resendResultSchema,
    errors: [409],
  },
  confirmPushRecord: {
    audit: 'push-record.confirm',
    ...records,
    method: 'POST',
    path: '/push-records/{id}/confirm',
    summary: 'Mark an unconfirmed push delivered (an admin saw it in the group)',
    success: 200,
    answers: pushRecordSchema,
    errors: [409],
  },
  resendPushRecords: {
    audit: 'push-records.bulk-resend',
    ...records,
    method: 'POST',
    path: '/push-records/resend',
    summary: 'Resend the failed or unconfirmed pushes a filter matches, a page per call',
    body: bulkResendSchema,
    success: 202,
    answers: bulkResendResultSchema,
  },
  whoami: {
    ...teams,
    role: 'member',
    method: 'GET',
    path: '/whoami',
    summary: 'The workspace and the role this token acts as',
    success: 200,
    answers: whoamiSchema,
  },
  createWorkspace: {
    audit: 'workspace.create',
    ...teams,
    role: 'instance-admin',
    method: 'POST',
    path: '/workspaces',
    summary: 'Create a workspace (instance admin)',
    body: createWorkspaceSchema,
    success: 201,
    answers: workspaceSchema,
    errors: [409],
  },
  listWorkspaces: {
    ...teams,
    ...reading,
    method: 'GET',
    path: '/workspaces',
    summary: 'Workspaces: all of them for an instance admin, its own for a workspace token',
    query: listQuerySchema,
    success: 200,
    answers: workspaceListSchema,
  },
  getWorkspace: {
    ...teams,
    ...reading,
    method: 'GET',
    path: '/workspaces/{id}',
    summary: 'Read a workspace',
    success: 200,
    answers: workspaceSchema,
  },
  updateWorkspace: {
    audit: 'workspace.update',
    ...teams,
    role: 'admin',
    method: 'PATCH',
    path: '/workspaces/{id}',
    summary: 'Rename a workspace',
    body: updateWorkspaceSchema,
    success: 200,
    answers: workspaceSchema,
    errors: [409],
  },
  createToken: {
    audit: 'token.create',
    ...teams,
    role: 'admin',
    method: 'POST',
    path: '/tokens',
    summary: 'Make an API token of a role in this workspace (its secret is in this answer only)',
    body: createTokenSchema,
    success: 201,
    answers: newApiTokenSchema,
  },
  listTokens: {
    ...teams,
    role: 'admin',
    method: 'GET',
    path: '/tokens',
    summary: "This workspace's API tokens, newest first (never a secret)",
    query: listQuerySchema,
    success: 200,
    answers: apiTokenPageSchema,
  },
  revokeToken: {
    audit: 'token.revoke',
    ...teams,
    role: 'admin',
    method: 'DELETE',
    path: '/tokens/{id}',
    summary: 'Revoke a token now',
    success: 200,
    answers: apiTokenSchema,
    errors: [409],
  },
  rotateToken: {
    audit: 'token.rotate',
    ...teams,
    role: 'admin',
    method: 'POST',
    path: '/tokens/{id}/rotate',
    summary: 'A new token in place of this one, which keeps working for the grace period',
    body: rotateTokenSchema,
    bodyOptional: true,
    success: 201,
    answers: newApiTokenSchema,
    errors: [409],
  },
  listAuditEvents: {
    ...teams,
    role: 'admin',
    method: 'GET',
    path: '/audit-events',
    summary: "This workspace's audit log, newest first",
    query: listAuditEventsQuerySchema,
    success: 200,
    answers: auditEventPageSchema,
  },
  exportAuditEvents: {
    ...teams,
    role: 'admin',
    method: 'GET',
    path: '/audit-events/export',
    summary: 'The audit log oldest first as NDJSON or CSV, 10,000 events an answer (the next page: Dingpush-Next-Cursor)',
    query: exportAuditEventsQuerySchema,
    success: 200,
    answers: { mediaTypes: ['application/x-ndjson', 'text/csv'] },
    answerHeaders: { 'Dingpush-Next-Cursor': 'Present when more events follow: pass it as `cursor` for the next answer' },
  },
  createDingTalkApp: {
    ...dingtalkApps,
    role: 'admin',
    audit: 'dingtalk-app.create',
    method: 'POST',
    path: '/dingtalk-apps',
    summary: 'Register a DingTalk internal app whose robot sends through the OpenAPI (its secret is sealed, never returned)',
    body: createDingTalkAppSchema,
    success: 201,
    answers: dingtalkAppSchema,
  },
  listDingTalkApps: {
    ...dingtalkApps,
    ...reading,
    method: 'GET',
    path: '/dingtalk-apps',
    summary: "This workspace's DingTalk apps",
    query: listQuerySchema,
    success: 200,
    answers: dingtalkAppPageSchema,
  },
  getDingTalkApp: {
    ...dingtalkApps,
    ...reading,
    method: 'GET',
    path: '/dingtalk-apps/{id}',
    summary: 'Read a DingTalk app',
    success: 200,
    answers: dingtalkAppSchema,
  },
  updateDingTalkApp: {
    ...dingtalkApps,
    role: 'admin',
    audit: 'dingtalk-app.update',
    method: 'PATCH',
    path: '/dingtalk-apps/{id}',
    summary: "Change a DingTalk app's name, secret or robot code",
    body: updateDingTalkAppSchema,
    success: 200,
    answers: dingtalkAppSchema,
    errors: [409],
  },
  deleteDingTalkApp: {
    ...dingtalkApps,
    role: 'admin',
    audit: 'dingtalk-app.delete',
    method: 'DELETE',
    path: '/dingtalk-apps/{id}',
    summary: 'Remove a DingTalk app',
    success: 204,
    errors: [409],
  },
  listDingTalkAppGroups: {
    ...dingtalkApps,
    ...reading,
    method: 'GET',
    path: '/dingtalk-apps/{id}/groups',
    summary: "The groups the app's robot was found in (someone @-mentioned it there), newest first",
    success: 200,
    answers: dingtalkGroupListSchema,
  },
  receiveDingTalkCallback: {
    ...dingtalkApps,
    role: 'open',
    method: 'POST',
    path: '/callbacks/dingtalk/{appId}',
    summary: "The app robot's message callback (DingTalk's signature checked first): an @-mention in a group registers the group",
    success: 200,
    answers: dingtalkCallbackAnswerSchema,
    errors: [401],
  },
} as const satisfies Record<string, RouteDeclaration>;

export type OperationId = keyof typeof routes;

/** The declarations as a list, each with its operationId. */
export const routeList = Object.entries(routes).map(([operationId, route]) => ({ operationId, ...(route as RouteDeclaration) }));
