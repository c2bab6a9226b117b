// One ajv instance for the service: schemas compiled once per cold start, every violation reported.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { badRequest, validationFailed, type ErrorDetail } from '../errors';

// strictRequired off: the per-msgType if/then blocks name fields declared in the parent schema
const bodyValidator = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
// Query strings arrive as text: "limit=10" and "enabled=true" are coerced to their schema types.
const queryValidator = new Ajv({ allErrors: true, strict: true, strictRequired: false, coerceTypes: true, allowUnionTypes: true });
addFormats(bodyValidator);
addFormats(queryValidator);

/** Nesting depth, walked without recursion (a 200 KB body can nest 100,000 levels) and given up past `limit`. */
function deeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

// DynamoDB stores at most 32 levels of nesting; report data deeper than this could never be kept.
bodyValidator.addKeyword({
  keyword: 'maxDepth',
  type: ['object', 'array'],
  schemaType: 'number',
  errors: true,
  validate: function maxDepth(limit: number, data: unknown) {
    if (!deeperThan(data, limit)) return true;
    (maxDepth as unknown as { errors: object[] }).errors = [
      { keyword: 'maxDepth', message: `must not nest deeper than ${limit} levels`, params: { limit } },
    ];
    return false;
  },
});

const compiled = new WeakMap<object, ValidateFunction>();

function compile(validator: Ajv, schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // a schema embedded in another (the draft preview holds TemplateInput) is registered under its $id when
    // the outer one compiles; compiling it again would throw "already exists"
    const id = (schema as { $id?: unknown }).$id;
    validate = (typeof id === 'string' && validator.getSchema(id)) || validator.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function describe(error: ErrorObject): ErrorDetail {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return { path: `${error.instancePath}/${String(params.missingProperty)}`, message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    return { path: `${error.instancePath}/${String(params.additionalProperty)}`, message: 'is not an allowed field' };
  }
  if (error.keyword === 'enum') {
    return { path: error.instancePath || '/', message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
  }
  if (error.keyword === 'const') {
    return { path: error.instancePath || '/', message: `must be ${JSON.stringify(params.allowedValue)}` };
  }
  if (error.keyword === 'pattern' && (params.pattern === '\\S' || params.pattern === '^\\S+$' || params.pattern === '^\\S(.*\\S)?$')) {
    const message =
      params.pattern === '\\S'
        ? 'must not be blank'
        : params.pattern === '^\\S+$'
          ? 'must not contain spaces'
          : 'must not start or end with a space';
    return { path: error.instancePath, message };
  }
  return { path: error.instancePath || '/', message: error.message ?? 'is invalid' };
}

function check<T>(validator: Ajv, schema: object, value: unknown, what: string): T {
  const validate = compile(validator, schema);
  if (validate(value)) return value as T;
  const details = (validate.errors ?? [])
    // if/then failures repeat the concrete "required" errors they wrap
    .filter((error) => error.keyword !== 'if')
    .map(describe);
  const unique = details.filter(
    (detail, index) => details.findIndex((other) => other.path === detail.path && other.message === detail.message) === index,
  );
  throw validationFailed(`The ${what} is invalid: ${unique.map((d) => `${d.path} ${d.message}`).join('; ')}`, unique);
}

export function validateBody<T>(schema: object, body: unknown): T {
  return check<T>(bodyValidator, schema, body, 'request body');
}

export function validateQuery<T>(schema: object, query: Record<string, string | undefined>): T {
  return check<T>(queryValidator, schema, { ...query }, 'query string');
}

/**
 * Refuses a `__proto__` key anywhere in parsed JSON: JSON.parse keeps it as an own key, but every object
 * built from it by assignment (the DynamoDB marshaller's, for one) sets a prototype instead, and the value
 * would vanish or break the write.
 */
export function refuseProtoKeys(value: unknown, path = ''): void {
  // a loop, not recursion: a body nested 50,000 deep must reach the depth check, not overflow the stack
  const pending: [unknown, string][] = [[value, path]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, at] = next;
    if (typeof node !== 'object' || node === null) continue;
    for (const [key, child] of Object.entries(node)) {
      const childPath = `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key === '__proto__')
        throw badRequest(`The key "__proto__" at ${childPath} is not accepted`, [{ path: childPath, message: 'is not an accepted key' }]);
      pending.push([child, childPath]);
    }
  }
}
