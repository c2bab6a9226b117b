// Calls the HTTP functions in-process the way API Gateway (HTTP API) does, with the routes and handlers of
// the route table (the deploy template's events come from the same table; the package test checks them)
// and its `$default` route for any other path, and holds every answer to the OpenAPI document.
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { routeList } from '../../schemas/routes';
import { assertDocumentedResponse, assertUnknownRouteResponse } from './contract';
import { adminToken } from './environment';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface RouteEntry {
  routeKey: string;
  method: string;
  path: string;
  pattern: RegExp;
  parameterNames: string[];
  handlerPath: string;
}

const root = join(__dirname, '..', '..');

const routes: RouteEntry[] = routeList.map((route) => ({
  routeKey: `${route.method} ${route.path}`,
  method: route.method,
  path: route.path,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '([^/]+)')}$`),
  parameterNames: [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]),
  handlerPath: join(root, 'functions', route.function),
}));

/** What API Gateway does with a request no route names: its `$default` route, the health function. */
const defaultRoute: RouteEntry = {
  routeKey: '$default',
  method: 'ANY',
  path: '$default',
  pattern: /^/,
  parameterNames: [],
  handlerPath: join(root, 'functions', 'health'),
};

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
  /** The Dingpush-Workspace header. */
  workspace?: string;
  /** More headers, as sent. */
  headers?: Record<string, string>;
}

export async function api<T = any>(method: string, pathWithQuery: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
  const [path, queryString = ''] = pathWithQuery.split('?');
  const route = routes.find((entry) => entry.method === method && entry.pattern.test(path)) ?? defaultRoute;
  const match = route.pattern.exec(path) as RegExpExecArray;
  const pathParameters = Object.fromEntries(route.parameterNames.map((name, index) => [name, match[index + 1]]));
  const query = new URLSearchParams(queryString);
  const token = options.token === undefined ? adminToken : options.token;
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    ...(token !== null && { authorization: options.authorization ?? `Bearer ${token}` }),
    ...(options.workspace !== undefined && { 'dingpush-workspace': options.workspace }),
    ...options.headers,
  };
  const event = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString: queryString,
    headers,
    queryStringParameters: queryString ? Object.fromEntries(query.entries()) : undefined,
    pathParameters: route.parameterNames.length > 0 ? pathParameters : undefined,
    requestContext: { http: { method, path, sourceIp: '127.0.0.1' }, requestId: `test-${Math.random().toString(36).slice(2)}` },
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
  if (route === defaultRoute) assertUnknownRouteResponse(status, contentType, body);
  else assertDocumentedResponse(method, route.path, status, contentType, body);
  return { status, body, raw, headers: answered };
}
