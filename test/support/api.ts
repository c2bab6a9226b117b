// Calls the HTTP functions in-process the way API Gateway (HTTP API) does: routes and handlers are read
// from serverless.yml, so a route missing there is missing here too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { adminToken } from './environment';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface RouteEntry {
  routeKey: string;
  method: string;
  pattern: RegExp;
  parameterNames: string[];
  handlerPath: string;
}

function loadRoutes(): RouteEntry[] {
  const text = readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8').replace(/!(GetAtt|Ref|Join|Sub)\b/g, '');
  const document = yaml.load(text) as { functions: Record<string, { handler: string; events?: { httpApi?: string }[] }> };
  return Object.values(document.functions).flatMap((fn) =>
    (fn.events ?? [])
      .filter((event) => typeof event.httpApi === 'string')
      .map((event) => {
        const routeKey = event.httpApi as string;
        const [method, path] = routeKey.split(' ');
        const parameterNames = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        const pattern = new RegExp(`^${path.replace(/\{\w+\}/g, '([^/]+)')}$`);
        return { routeKey, method, pattern, parameterNames, handlerPath: join(__dirname, '..', '..', fn.handler.replace(/\.handler$/, '')) };
      }),
  );
}

const routes = loadRoutes();

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  raw: string;
}

export interface ApiOptions {
  body?: unknown;
  /** A raw body string, sent as is (malformed JSON tests). */
  rawBody?: string;
  /** Raw bytes, sent base64-encoded as API Gateway does for binary bodies (invalid UTF-8 tests). */
  bodyBytes?: Buffer;
  token?: string | null;
}

export async function api<T = any>(method: string, pathWithQuery: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
  const [path, queryString = ''] = pathWithQuery.split('?');
  const route = routes.find((entry) => entry.method === method && entry.pattern.test(path));
  if (!route) return { status: 404, body: { error: { code: 'NotFound' } } as T, raw: '' };
  const match = route.pattern.exec(path) as RegExpExecArray;
  const pathParameters = Object.fromEntries(route.parameterNames.map((name, index) => [name, match[index + 1]]));
  const query = new URLSearchParams(queryString);
  const token = options.token === undefined ? adminToken : options.token;
  const event = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString: queryString,
    headers: { 'content-type': 'application/json', ...(token !== null && { authorization: `Bearer ${token}` }) },
    queryStringParameters: queryString ? Object.fromEntries(query.entries()) : undefined,
    pathParameters: route.parameterNames.length > 0 ? pathParameters : undefined,
    requestContext: { http: { method, path } },
    body: options.bodyBytes?.toString('base64') ?? options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    isBase64Encoded: options.bodyBytes !== undefined,
  } as unknown as APIGatewayProxyEventV2;
  const { handler } = require(route.handlerPath) as { handler: Handler };
  const result = await handler(event, { awsRequestId: 'test' } as Context);
  const raw = result.body ?? '';
  const isJson = String(result.headers?.['content-type'] ?? '').includes('json');
  return { status: result.statusCode ?? 200, body: (raw && isJson ? JSON.parse(raw) : raw || undefined) as T, raw };
}

export const routeKeys = routes.map((route) => route.routeKey);
