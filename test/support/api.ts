// Calls the HTTP functions in-process the way API Gateway (HTTP API) does: routes, handlers and the
// routes' Lambda authorizers are read from serverless.yml, so a route missing there is missing here too.
import { join } from 'node:path';
import { loadServerlessYml } from '../../scripts/local-resources';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { adminToken } from './environment';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface RouteEntry {
  routeKey: string;
  method: string;
  pattern: RegExp;
  parameterNames: string[];
  handlerPath: string;
  /** The route's authorizer function: its name in serverless.yml, module and export. */
  authorizer?: { name: string; modulePath: string; exportName: string };
}

type HttpApiEvent = string | { method: string; path: string; authorizer?: { name: string } };

interface ServerlessDocument {
  provider: { httpApi: { authorizers: Record<string, { functionName: string }> } };
  functions: Record<string, { handler: string; events?: { httpApi?: HttpApiEvent }[] }>;
}

const root = join(__dirname, '..', '..');
const modulePathOf = (handler: string) => join(root, handler.slice(0, handler.lastIndexOf('.')));

function loadRoutes(): RouteEntry[] {
  const document = loadServerlessYml<ServerlessDocument>();
  return Object.values(document.functions).flatMap((fn) =>
    (fn.events ?? []).flatMap(({ httpApi }) => {
      if (httpApi === undefined) return [];
      const [method, path] = typeof httpApi === 'string' ? httpApi.split(' ') : [httpApi.method, httpApi.path];
      const authorizerName = typeof httpApi === 'string' ? undefined : httpApi.authorizer?.name;
      const authorizerHandler =
        authorizerName && document.functions[document.provider.httpApi.authorizers[authorizerName].functionName].handler;
      const parameterNames = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const pattern = new RegExp(`^${path.replace(/\{\w+\}/g, '([^/]+)')}$`);
      return [
        {
          routeKey: `${method} ${path}`,
          method,
          pattern,
          parameterNames,
          handlerPath: modulePathOf(fn.handler),
          ...(authorizerHandler && {
            authorizer: {
              name: authorizerName,
              modulePath: modulePathOf(authorizerHandler),
              exportName: authorizerHandler.slice(authorizerHandler.lastIndexOf('.') + 1),
            },
          }),
        },
      ];
    }),
  );
}

type Authorizer = (event: unknown) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;

/** What API Gateway does before the route's function runs: 401 without the identity source, else the authorizer decides. */
async function authorizerContext(
  route: RouteEntry,
  headers: Record<string, string>,
): Promise<{ context?: Record<string, unknown>; refusal?: ApiResponse }> {
  if (!route.authorizer) return {};
  if (headers.authorization === undefined)
    return { refusal: { status: 401, body: { message: 'Unauthorized' }, raw: '{"message":"Unauthorized"}' } };
  const authorize = (require(route.authorizer.modulePath) as Record<string, Authorizer>)[route.authorizer.exportName];
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

const routes = loadRoutes();

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
  if (authorized.refusal) return authorized.refusal as ApiResponse<T>;
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
  if (result.isBase64Encoded)
    return { status: result.statusCode ?? 200, body: undefined as T, raw, bytes: Buffer.from(raw, 'base64'), headers: answered };
  const isJson = String(answered?.['content-type'] ?? '').includes('json');
  return { status: result.statusCode ?? 200, body: (raw && isJson ? JSON.parse(raw) : raw || undefined) as T, raw, headers: answered };
}

export const routeKeys = routes.map((route) => route.routeKey);
/** Each route's authorizer in serverless.yml ('open' without one). */
export const routeAuthorizers = Object.fromEntries(routes.map((route) => [route.routeKey, route.authorizer?.name ?? 'open']));
