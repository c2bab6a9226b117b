// The middy stack every HTTP function shares: API Gateway (HTTP API) event in, route call, JSON out.
// Routes know nothing of event shapes; errors become HTTP responses in errorResponse, registered last.
// Not middy's http-json-body-parser and http-error-handler: the first needs a JSON content type, answers
// 415 for bad JSON and decodes invalid UTF-8 lossily; the second writes a plain-text body, not the error
// error envelope of the contract, and logs through console.error, around the redacting logger.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Scope } from '../../lib/auth/tokens';
import { badRequest, forbidden, payloadTooLarge, unauthorized } from '../../lib/errors';
import type { AuthorizerContext } from '../authorizer';
import { config } from '../../lib/config';
import { errorResponse } from './errorResponse';
import { header } from './header';
import { readMultipartForm, type MultipartForm } from './multipartForm';

export interface HttpRequest {
  pathParameters: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  scope?: Scope;
  /** The origin the request was sent to, when API Gateway says (https://<domain>). */
  origin?: string;
}

export interface HttpResult {
  status: number;
  body?: unknown;
  /** Raw bytes instead of a JSON body, with their content type and any further headers. */
  bytes?: { body: Buffer; contentType: string; headers?: Record<string, string> };
}

export interface Route {
  /** Who may call it; undefined means open. */
  scope?: Scope;
  /** The largest body this route takes (default MAX_REQUEST_BYTES). */
  maxBodyBytes?: number;
  /** Takes multipart/form-data too, shaped by this into the body the route's schema judges. */
  multipart?: (form: MultipartForm) => unknown;
  handle: (request: HttpRequest) => Promise<HttpResult>;
}

export type Routes = Record<string, Route>;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

async function parseBody(event: APIGatewayProxyEventV2, route: Route): Promise<unknown> {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  const limit = route.maxBodyBytes ?? config.maxRequestBytes;
  if (raw.length > limit) {
    const hint = route.maxBodyBytes ? ' (images count in full: send larger screenshots as url images)' : '';
    throw payloadTooLarge(`The request body is ${raw.length} bytes; the limit is ${limit}${hint}`);
  }
  const contentType = header(event, 'content-type') ?? '';
  if (route.multipart && /^multipart\/form-data/i.test(contentType)) return route.multipart(await readMultipartForm(raw, contentType));
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw badRequest('The request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function decodePathParameter(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw badRequest(`The path parameter ${name} is not valid URL encoding`, [{ path: `/${name}`, message: 'is not valid URL encoding' }]);
  }
}

function routeKeyOf(event: APIGatewayProxyEventV2): string {
  return event.routeKey ?? `${event.requestContext?.http?.method} ${event.rawPath}`;
}

/**
 * The scope the route's authorizer granted, or the refusal it decided, as an error. Fails closed when the
 * route has no authorizer of its scope. serverless-offline lets a request replace the authorizer's
 * context with a header: such a request is refused.
 */
function grantedScope(event: APIGatewayProxyEventV2, required: Scope): Scope {
  if (header(event, 'sls-offline-authorizer-override') !== undefined)
    throw forbidden('The sls-offline-authorizer-override header is not accepted');
  const verdict = (event.requestContext as { authorizer?: { lambda?: AuthorizerContext } } | undefined)?.authorizer?.lambda;
  if (!verdict || verdict.grants !== required) throw unauthorized('This route is not behind its authorizer; nothing was done');
  if (!verdict.allowed) throw verdict.code === 'Forbidden' ? forbidden(verdict.message) : unauthorized(verdict.message);
  return verdict.scope;
}

/** https://<domain> as API Gateway names it (serverless-offline's placeholder is not a host). */
function originOf(event: APIGatewayProxyEventV2): string | undefined {
  const domain = event.requestContext?.domainName;
  return domain && domain.includes('.') ? `https://${domain}` : undefined;
}

export function httpFunction(routes: Routes) {
  const core = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[routeKeyOf(event)];
    if (!route) {
      return {
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: { code: 'NotFound', message: `No route ${routeKeyOf(event)}`, details: [] } }),
      };
    }
    const scope = route.scope ? grantedScope(event, route.scope) : undefined;
    const request: HttpRequest = {
      pathParameters: Object.fromEntries(
        Object.entries(event.pathParameters ?? {}).map(([name, value]) => [name, decodePathParameter(name, value ?? '')]),
      ),
      query: { ...(event.queryStringParameters ?? {}) },
      body: await parseBody(event, route),
      scope,
      origin: originOf(event),
    };
    const result = await route.handle(request);
    if (result.bytes) {
      return {
        statusCode: result.status,
        headers: { ...result.bytes.headers, 'content-type': result.bytes.contentType },
        body: result.bytes.body.toString('base64'),
        isBase64Encoded: true,
      };
    }
    return {
      statusCode: result.status,
      headers: { 'content-type': 'application/json' },
      body: result.body === undefined ? '' : JSON.stringify(result.body),
    };
  };
  return middy(core).use({ onError: errorResponse });
}
