// The deploy template's httpApi events, from the route table (schemas/routes.ts): serverless.yml asks for
// one function's with ${file(./scripts/httpEvents.cjs):<function>}. Routes outside the open scope go through
// the authorizer of their scope.
const { require: requireTypeScript } = require('tsx/cjs/api');

const { routeList } = requireTypeScript('../schemas/routes.ts', __filename);

const eventsByFunction = {};
for (const route of routeList) {
  const event = { method: route.method, path: route.path, ...(route.scope !== 'open' && { authorizer: { name: route.scope } }) };
  (eventsByFunction[route.function] ??= []).push({ httpApi: event });
}

module.exports = eventsByFunction;
