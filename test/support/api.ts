// Calls the HTTP functions in-process the way API Gateway (HTTP API) does, with the routes, handlers and
// authorizers of the route table (the deploy template's events come from the same table; the package test
// checks them), and holds every answer to the OpenAPI document.
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { routeList } from '../../schemas/routes';
import { assertDocumentedResponse } from './contract';
import { adminToken } from './environment';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface RouteEntry {
  routeKey: string;
  method: string;
  path: string;
  pattern: RegExp;
  parameterNames: string[];
  handlerPath: string;
  /** The authorizer of the route's scope: functions/authorizer.ts's export of that name. */
  authorizer?: 'admin' | 'publisher';
}

const root = join(__dirname, '..', '..');

const routes: RouteEntry[] = routeList.map((route) => ({
  routeKey: `${route.method} ${route.path}`,
  method: route.method,
  path: route.path,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '([^/]+)')}$`),
  parameterNames: [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]),
  handlerPath: join(root, 'functions', route.function),
  ...(route.scope !== 'open' && { authorizer: route.scope }),
}));

type Authorizer = (event: unknown) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;

/** What API Gateway does before the route's function runs: 401 without the identity source, else the authorizer decides. */
async function authorizerContext(
  route: RouteEntry,
  headers: Record<string, string>,
): Promise<{ context?: Record<string, unknown>; refusal?: ApiResponse }> {
  if (!route.authorizer) return {};
  if (headers.authorization === undefined)
    return { refusal: { status: 401, body: { message: 'Unauthorized' }, raw: '{"message":"Unauthorized"}' } };
  const authorize = (require(join(root, 'functions', 'authorizer')) as Record<string, Authorizer>)[route.authorizer];
  const result = await authorize({
    version: '2.0',
    type: 'REQUEST',
    routeKey: route.routeKey,
    identitySource: [headers.authorization],
    headers,
  });
  if (!result.isAuthorized) return { refusal: { status: 403, body: { message: 'Forbidden' }, raw: '{"message":"Forbidden"}' } };
  return { context: result.context };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  raw: string;
  /** A binary answer (isBase64Encoded), decoded; with its headers. */
  bytes?: Buffer;
  headers?: Record<string, string>;
}

export interface ApiOptions {
  body?: unknown;
  /** A raw body string, sent as is (malformed JSON tests). */
  rawBody?: string;
  /** Raw bytes, sent base64-encoded as API Gateway does for binary bodies (invalid UTF-8 tests). */
  bodyBytes?: Buffer;
  token?: string | null;
  /** The whole Authorization header (Basic auth tests); wins over token. */
  authorization?: string;
  /** Defaults to application/json. */
  contentType?: string;
}

export async function api<T = any>(method: string, pathWithQuery: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
  const [path, queryString = ''] = pathWithQuery.split('?');
  const route = routes.find((entry) => entry.method === method && entry.pattern.test(path));
  if (!route) return { status: 404, body: { error: { code: 'NotFound' } } as T, raw: '' };
  const match = route.pattern.exec(path) as RegExpExecArray;
  const pathParameters = Object.fromEntries(route.parameterNames.map((name, index) => [name, match[index + 1]]));
  const query = new URLSearchParams(queryString);
  const token = options.token === undefined ? adminToken : options.token;
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    ...(token !== null && { authorization: options.authorization ?? `Bearer ${token}` }),
  };
  const authorized = await authorizerContext(route, headers);
  if (authorized.refusal) {
    assertDocumentedResponse(method, route.path, authorized.refusal.status, 'application/json', authorized.refusal.body);
    return authorized.refusal as ApiResponse<T>;
  }
  const event = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString: queryString,
    headers,
    queryStringParameters: queryString ? Object.fromEntries(query.entries()) : undefined,
    pathParameters: route.parameterNames.length > 0 ? pathParameters : undefined,
    requestContext: { http: { method, path }, ...(authorized.context && { authorizer: { lambda: authorized.context } }) },
    body:
      options.bodyBytes?.toString('base64') ?? options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    isBase64Encoded: options.bodyBytes !== undefined,
  } as unknown as APIGatewayProxyEventV2;
  const { handler } = require(route.handlerPath) as { handler: Handler };
  const result = await handler(event, { awsRequestId: 'test' } as Context);
  const raw = result.body ?? '';
  const answered = result.headers as Record<string, string> | undefined;
  const status = result.statusCode ?? 200;
  const contentType = answered?.['content-type'];
  if (result.isBase64Encoded) {
    assertDocumentedResponse(method, route.path, status, contentType, undefined);
    return { status, body: undefined as T, raw, bytes: Buffer.from(raw, 'base64'), headers: answered };
  }
  const isJson = String(contentType ?? '').includes('json');
  const body = (raw && isJson ? JSON.parse(raw) : raw || undefined) as T;
  assertDocumentedResponse(method, route.path, status, contentType, body);
  return { status, body, raw, headers: answered };
}
