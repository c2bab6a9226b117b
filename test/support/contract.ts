// Every answer a test receives is held to the OpenAPI document: a status the route does not list, or a body
// its schema refuses, fails the test that received it.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument } from '../../lib/openapi';

const document = buildOpenApiDocument();
// strict off: the document is a schema only where its pointers lead (openapi, info and paths are not keywords)
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(document, 'openapi.json');

interface DocumentedResponse {
  content?: Record<string, { schema: object }>;
}

/** The document's path template a concrete path falls under (`/robots/abc` → `/robots/{id}`). */
export function documentedRoute(method: string, path: string): string | undefined {
  return Object.keys(document.paths).find(
    (template) =>
      new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`).test(path) &&
      method.toLowerCase() in (document.paths[template] as object),
  );
}

const validators = new Map<string, ValidateFunction>();
const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Throws when `status` or `body` is not what the document says `method path` answers. */
export function assertDocumentedResponse(
  method: string,
  path: string,
  status: number,
  contentType: string | undefined,
  body: unknown,
): void {
  const operation = (document.paths[path] as Record<string, { responses: Record<string, DocumentedResponse> }> | undefined)?.[
    method.toLowerCase()
  ];
  if (!operation) throw new Error(`${method} ${path} is not in the OpenAPI document`);
  const documented = operation.responses[String(status)];
  if (!documented) {
    throw new Error(
      `${method} ${path} answered ${status}, which the OpenAPI document does not list (${Object.keys(operation.responses).join(', ')}): ${JSON.stringify(body)?.slice(0, 300)}`,
    );
  }
  if (!documented.content) {
    if (body !== undefined && body !== '')
      throw new Error(`${method} ${path} answered ${status} with a body the document says it has none`);
    return;
  }
  const mediaType = (contentType ?? '').split(';')[0].trim();
  const media = documented.content[mediaType];
  if (!media)
    throw new Error(
      `${method} ${path} answered ${status} as ${mediaType}; the document lists ${Object.keys(documented.content).join(', ')}`,
    );
  if (mediaType !== 'application/json') return;
  const key = pointer('paths', path, method.toLowerCase(), 'responses', String(status), 'content', mediaType, 'schema');
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi.json#/${key}` });
    validators.set(key, validate);
  }
  if (!validate(body)) {
    throw new Error(
      `${method} ${path} answered ${status} with a body the OpenAPI document refuses: ${ajv.errorsText(validate.errors, { separator: '; ' })}\n${JSON.stringify(body).slice(0, 600)}`,
    );
  }
}

/** A path or method no route names: the document says it answers 404 in the Error envelope. */
export function assertUnknownRouteResponse(status: number, contentType: string | undefined, body: unknown): void {
  if (status !== 404 || !String(contentType).startsWith('application/json'))
    throw new Error(`an unknown route answered ${status} ${contentType}, not 404 in the Error envelope`);
  let validate = validators.get('Error');
  if (!validate) {
    validate = ajv.compile({ $ref: 'openapi.json#/components/schemas/Error' });
    validators.set('Error', validate);
  }
  if (!validate(body)) throw new Error(`an unknown route answered a body that is not the Error envelope: ${JSON.stringify(body)}`);
}
