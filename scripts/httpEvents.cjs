// The deploy template's httpApi events, from the route table (schemas/routes.ts): serverless.yml asks for
// one function's with ${file(./scripts/httpEvents.cjs):<function>}. Each function authorizes its own
// callers (lib/auth/authorize.ts). The health function also takes every path no route names (`$default`,
// `*` to the framework) and answers it 404 in the service's error envelope.
const { require: requireTypeScript } = require('tsx/cjs/api');

const { routeList } = requireTypeScript('../schemas/routes.ts', __filename);

const eventsByFunction = { health: [{ httpApi: '*' }] };
for (const route of routeList) {
  (eventsByFunction[route.function] ??= []).push({ httpApi: { method: route.method, path: route.path } });
}

module.exports = eventsByFunction;
