// The middy stack every HTTP function shares: API Gateway (HTTP API) event in, the caller authorized for the
// route table's role (lib/auth/authorize.ts), the schemas checked, the operation called, JSON out. Operations know nothing of event shapes; errors become
// HTTP responses in errorResponse, registered last.
// Not middy's http-json-body-parser and http-error-handler: the first needs a JSON content type, answers
// 415 for bad JSON and decodes invalid UTF-8 lossily; the second writes a plain-text body, not the
// error envelope of the contract, and logs through console.error, around the redacting logger.
// middy 6, not 7: 7 exports only an `import` condition, which this CommonJS code cannot require under tsx (npm start's worker)
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { authorize } from '../../lib/auth/authorize';
import type { Caller } from '../../lib/domain/caller';
import { routeList, type HttpFunctionName, type OperationId, type RouteDeclaration, type routes } from '../../schemas/routes';
import { refuseProtoKeys, validateBody, validateQuery } from '../../lib/validation/validate';
import { badRequest, payloadTooLarge } from '../../lib/errors';
import { config } from '../../lib/config';
import { errorResponse } from './errorResponse';
import { header } from './header';
import { readMultipartForm, type MultipartForm } from './multipartForm';

type Declared = typeof routes;
type BodyOf<K extends OperationId> = Declared[K] extends { body: infer S extends JSONSchema } ? FromSchema<S> : unknown;
type QueryOf<K extends OperationId> = Declared[K] extends { query: infer S extends JSONSchema }
  ? FromSchema<S>
  : Record<string, string | undefined>;
/** The operations a function serves, by the route table. */
type OperationsOf<F extends HttpFunctionName> = { [K in OperationId]: Declared[K]['function'] extends F ? K : never }[OperationId];

type CallerOf<K extends OperationId> = Declared[K]['role'] extends 'open' ? undefined : Caller;

export interface HttpRequest<Body = unknown, Query = Record<string, string | undefined>, Who = Caller | undefined> {
  pathParameters: Record<string, string>;
  /** Checked against the route's query schema, when it has one. */
  query: Query;
  /** Checked against the route's body schema, when it has one. */
  body: Body;
  /** Who asks, in which workspace, with which role (absent on open routes). */
  caller: Who;
  /** The origin the request was sent to, when API Gateway says (https://<domain>). */
  origin?: string;
  /** A request header, by its name in any case. */
  header: (name: string) => string | undefined;
}

/** A success that is not JSON: raw bytes with their content type and any further headers. */
export class BinaryBody {
  constructor(
    readonly body: Buffer,
    readonly contentType: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** What serves one operation; the route table gives its method, path, scope, schemas and success status. */
export interface OperationHandler<K extends OperationId> {
  /** The largest body this route takes (default MAX_REQUEST_BYTES). */
  maxBodyBytes?: number;
  /** Takes multipart/form-data too, shaped by this into the body the route's schema judges. */
  multipart?: (form: MultipartForm) => unknown;
  /** The body as the text it came as, unread: for a route that checks a signature over it first. */
  rawBody?: true;
  /** Answers the success body (a BinaryBody for bytes; nothing for 204). */
  handle: (request: HttpRequest<BodyOf<K>, QueryOf<K>, CallerOf<K>>) => Promise<unknown>;
}

type Handlers<F extends HttpFunctionName> = { [K in OperationsOf<F>]: OperationHandler<K> | OperationHandler<K>['handle'] };

interface BoundRoute {
  declaration: RouteDeclaration;
  handler: OperationHandler<OperationId>;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

async function parseBody(event: APIGatewayProxyEventV2, route: OperationHandler<OperationId>): Promise<unknown> {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  const limit = route.maxBodyBytes ?? config.maxRequestBytes;
  if (raw.length > limit) {
    const hint = route.maxBodyBytes ? ' (images count in full: send larger screenshots as url images)' : '';
    throw payloadTooLarge(`The request body is ${raw.length} bytes; the limit is ${limit}${hint}`);
  }
  const contentType = header(event, 'content-type') ?? '';
  if (route.rawBody) return raw.toString('utf8');
  if (route.multipart && /^multipart\/form-data/i.test(contentType)) return route.multipart(await readMultipartForm(raw, contentType));
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw badRequest('The request body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  refuseProtoKeys(body);
  return body;
}

function decodePathParameter(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw badRequest(`The path parameter ${name} is not valid URL encoding`, [{ path: `/${name}`, message: 'is not valid URL encoding' }]);
  }
}

/** The route as declared (`$default`, the catch-all route, is the request's own method and path). */
function routeKeyOf(event: APIGatewayProxyEventV2): string {
  return event.routeKey && event.routeKey !== '$default' ? event.routeKey : `${event.requestContext?.http?.method} ${event.rawPath}`;
}

/** The caller of a route that needs a token, authorized for the route's role. */
function callerFor(event: APIGatewayProxyEventV2, declaration: RouteDeclaration, requestId: string): Promise<Caller> | undefined {
  if (declaration.role === 'open') return undefined;
  return authorize(
    {
      authorization: header(event, 'authorization'),
      workspace: header(event, 'dingpush-workspace'),
      requestId,
      sourceIp: event.requestContext?.http?.sourceIp,
      userAgent: header(event, 'user-agent'),
    },
    declaration.role,
    `${declaration.method} ${declaration.path}`,
  );
}

/** https://<domain> as API Gateway names it (serverless-offline's placeholder is not a host). */
function originOf(event: APIGatewayProxyEventV2): string | undefined {
  const domain = event.requestContext?.domainName;
  return domain && domain.includes('.') ? `https://${domain}` : undefined;
}

/** The Lambda handler of one HTTP function: every operation the route table gives it, and no other. */
export function httpFunction<F extends HttpFunctionName>(name: F, handlers: Handlers<F>) {
  const bound = new Map<string, BoundRoute>(
    routeList
      .filter((route) => route.function === name)
      .map((route) => {
        const handler = handlers[route.operationId as OperationsOf<F>] as
          OperationHandler<OperationId> | OperationHandler<OperationId>['handle'];
        return [
          `${route.method} ${route.path}`,
          { declaration: route, handler: typeof handler === 'function' ? { handle: handler } : handler },
        ];
      }),
  );
  const core = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = bound.get(routeKeyOf(event));
    if (!route) {
      return {
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: { code: 'NotFound', message: `No route ${routeKeyOf(event)}`, details: [] } }),
      };
    }
    const { declaration, handler } = route;
    const caller = await callerFor(event, declaration, event.requestContext?.requestId ?? context?.awsRequestId ?? 'local');
    const pathParameters = Object.fromEntries(
      Object.entries(event.pathParameters ?? {}).map(([name, value]) => [name, decodePathParameter(name, value ?? '')]),
    );
    const query = { ...(event.queryStringParameters ?? {}) };
    const body = await parseBody(event, handler);
    const result = await handler.handle({
      pathParameters,
      query: declaration.query ? validateQuery(declaration.query, query) : query,
      body: declaration.body ? validateBody(declaration.body, body ?? (declaration.bodyOptional ? {} : undefined)) : body,
      caller: caller as never,
      origin: originOf(event),
      header: (name) => header(event, name),
    });
    if (result instanceof BinaryBody) {
      return {
        statusCode: declaration.success,
        headers: { ...result.headers, 'content-type': result.contentType },
        body: result.body.toString('base64'),
        isBase64Encoded: true,
      };
    }
    return {
      statusCode: declaration.success,
      headers: { 'content-type': 'application/json' },
      body: result === undefined ? '' : JSON.stringify(result),
    };
  };
  return middy(core).use({ onError: errorResponse });
}
