// The OpenAPI 3.1 document, built from the route table (schemas/routes.ts) and the schemas it names. The
// committed copy is docs/openapi.json (`npm run openapi` writes it; a test holds it equal to this).
import { routeList, type RouteDeclaration } from '../schemas/routes';
import { errorSchema } from '../schemas/responses';
import { describeRole } from './auth/roles';

const errorDescriptions: Record<number, string> = {
  400: 'Malformed or invalid input; details name each field',
  401: 'No token, or a token that is not valid, was revoked or expired; the message says which',
  403: "The token's role does not allow this route (Forbidden, naming the role it needs), or the Dingpush-Workspace header names another workspace than the token's (WrongWorkspace)",
  404: 'Unknown id (another workspace’s ids too), or a Dingpush-Workspace header that names no workspace',
  409: 'Conflicts with what is stored; the message says what to change',
  413: 'The body (or one of its images) is over the limit',
  422: 'Well-formed, but the template cannot render it as the chat service would take it',
  500: 'Something went wrong on our side; nothing was half-done, try again',
  503: 'An earlier delivery of the same notification is still being queued; the tool retries',
};

/** The statuses a route can answer: its shape implies most, the declaration names the rest. */
function errorStatuses(route: RouteDeclaration): number[] {
  const hasPathParameters = route.path.includes('{');
  const statuses = new Set<number>(route.errors ?? []);
  if (route.body || route.query || hasPathParameters) statuses.add(400);
  if (route.role !== 'open') [401, 403, 404].forEach((status) => statuses.add(status));
  if (hasPathParameters) statuses.add(404);
  if (route.body) statuses.add(413);
  // the static routes read nothing that can fail
  if (!['health', 'openapi', 'console'].includes(route.function)) statuses.add(500);
  return [...statuses].sort();
}

/**
 * A schema as the document shows it: embedded schemas with an $id become references to components, and
 * `maxDepth` (an ajv keyword of ours) becomes an x- extension with words a reader can follow.
 */
function documented(schema: unknown, components: Record<string, unknown>, isRoot = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => documented(item, components));
  if (typeof schema !== 'object' || schema === null) return schema;
  const { $id, maxDepth, ...rest } = schema as Record<string, unknown>;
  if (typeof $id === 'string' && !isRoot) {
    if (!components[$id]) components[$id] = documented(schema, components, true);
    return { $ref: `#/components/schemas/${$id}` };
  }
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, documented(value, components)]));
  if (typeof maxDepth === 'number') {
    converted['x-maxDepth'] = maxDepth;
    converted.description ??= `Any JSON object nested no deeper than ${maxDepth} levels`;
  }
  return converted;
}

const reference = (schema: { $id: string }, components: Record<string, unknown>) => documented({ ...schema }, components);

function successContent(route: RouteDeclaration, components: Record<string, unknown>) {
  if (!route.answers) return undefined;
  if ('mediaTypes' in route.answers) {
    return Object.fromEntries(route.answers.mediaTypes.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]));
  }
  return { 'application/json': { schema: reference(route.answers, components) } };
}

const workspaceHeader = {
  name: 'Dingpush-Workspace',
  in: 'header',
  required: false,
  description: 'For an instance token: the workspace (id or slug) to act in; `default` when left out. A workspace token acts in its own.',
  schema: { type: 'string' },
};

function operation(route: RouteDeclaration & { operationId: string }, components: Record<string, unknown>) {
  const parameters = [
    ...[...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      description: 'The id the service gave it',
      schema: { type: 'string' },
    })),
    ...Object.entries(route.query?.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: (route.query as { required?: string[] } | undefined)?.required?.includes(name) ?? false,
      schema: documented(schema, components),
    })),
    ...(route.role === 'open' ? [] : [workspaceHeader]),
  ];
  const errorContent = () => ({ 'application/json': { schema: reference(errorSchema, components) } });
  const content = successContent(route, components);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.function],
    ...(route.role === 'open'
      ? { security: [] }
      : {
          security: route.role === 'publisher' ? [{ bearer: [] }, { basic: [] }] : [{ bearer: [] }],
          'x-role': route.role,
          ...(route.audit && { 'x-audit-action': route.audit }),
          description: `Needs ${route.role === 'member' ? 'any valid token' : describeRole(route.role)}.`,
        }),
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: {
        required: !route.bodyOptional,
        content: {
          'application/json': { schema: reference(route.body, components) },
          ...(route.multipart && { 'multipart/form-data': { schema: route.multipart } }),
        },
      },
    }),
    responses: {
      [route.success]: {
        description: route.success === 204 ? 'Done; no body' : 'Success',
        ...(route.answerHeaders && {
          headers: Object.fromEntries(
            Object.entries(route.answerHeaders).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
          ),
        }),
        ...(content && { content }),
      },
      ...Object.fromEntries(
        errorStatuses(route).map((status) => [status, { description: errorDescriptions[status], content: errorContent() }]),
      ),
    },
  };
}

const tagDescriptions: Record<string, string> = {
  health: 'Liveness',
  openapi: 'This document',
  console: 'The admin web console',
  images: "Report screenshots, as the chat services' clients fetch them",
  templates: 'What a push looks like (Mustache over the report data)',
  robots: 'Group robots (DingTalk, WeCom, Feishu) and what they receive',
  events: "Report events from the BI platform and the tools' webhooks",
  pushRecords: 'What was sent, to whom, and how it ended',
  teams: 'Workspaces, API tokens and roles, the audit log (docs/teams.md)',
};

export function buildOpenApiDocument() {
  const components: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routeList) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'dingpush',
      version: '1.0.0',
      description:
        'Push BI report notifications into DingTalk, WeCom and Feishu groups through group robots. What OpenAPI cannot say (idempotency, order per robot, the delivery guarantee) is in docs/delivery.md and docs/http-api.md. Every refusal (401, 403) and any path or method not listed here (404 NotFound) answers the Error envelope, the same under npm start and in AWS.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: '`npm start` on its default port' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployed stage (or the custom domain in front of it)',
        variables: {
          apiId: { default: 'abcdef1234', description: 'The HTTP API id `serverless deploy` prints' },
          region: { default: 'us-east-1' },
        },
      },
    ],
    tags: Object.entries(tagDescriptions).map(([name, description]) => ({ name, description })),
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A workspace token (`dp_…`, made through /tokens) or an instance token (ADMIN_TOKENS, PUBLISHER_TOKENS)',
        },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'Any user name; the token as the password (for tools that only send Basic auth)',
        },
      },
    },
  };
}
