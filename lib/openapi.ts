// The OpenAPI 3.1 document, built from schemas/ (request bodies and query strings) and the route list.
import { routes } from '../schemas/routes';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};

function withoutId(schema: object): object {
  const { $id: _id, ...rest } = schema as { $id?: string };
  return rest;
}

export function buildOpenApiDocument() {
  const components: Record<string, object> = { Error: errorSchema };
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
        name: match[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(route.query?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
    ];
    if (route.body) components[route.body.$id] = withoutId(route.body);
    const errors = {
      400: 'Malformed or invalid input',
      401: 'Missing or unknown token',
      403: 'Token lacks the scope',
      404: 'Unknown id',
      409: 'Conflict',
      413: 'Body too large',
      422: 'Well-formed but impossible',
      ...(route.tryAgainLater && { 503: 'Try again later' }),
    };
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.scope === 'open'
        ? { security: [] }
        : { security: route.scope === 'publisher' ? [{ bearer: [] }, { basic: [] }] : [{ bearer: [] }], 'x-scope': route.scope }),
      ...(parameters.length > 0 && { parameters }),
      ...(route.body && {
        requestBody: {
          required: !route.bodyOptional,
          content: {
            'application/json': { schema: { $ref: `#/components/schemas/${route.body.$id}` } },
            ...(route.multipart && { 'multipart/form-data': { schema: route.multipart } }),
          },
        },
      }),
      responses: {
        [route.success]: {
          description: 'Success',
          ...(route.success !== 204 && {
            content: {
              [route.successType ?? 'application/json']: {
                schema: route.successType ? { type: 'string', contentMediaType: route.successType } : { type: 'object' },
              },
            },
          }),
        },
        ...Object.fromEntries(
          Object.entries(errors).map(([status, description]) => [
            status,
            { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          ]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'dingpush', version: '1.0.0', description: 'Push BI report notifications into DingTalk groups through group robots.' },
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'Any user name; the token as the password (for tools that only send Basic auth)',
        },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
