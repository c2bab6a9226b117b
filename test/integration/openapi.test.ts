import { api, routeAuthorizers, routeKeys } from '../support/api';
import { routes } from '../../schemas/routes';

describe('GET /openapi.json', () => {
  it('is served without a token and describes every route', async () => {
    const response = await api('GET', '/openapi.json', { token: null });
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const documented = Object.entries(response.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // the document, the route list and serverless.yml agree
    expect(documented.sort()).toEqual([...routeKeys].sort());
    expect(response.body.components.schemas.CreateRobot.required).toEqual(['name', 'webhookUrl', 'templateId']);
  });

  it('puts every route but the open ones behind the authorizer of its scope', () => {
    expect(routeAuthorizers).toEqual(Object.fromEntries(routes.map((route) => [`${route.method} ${route.path}`, route.scope])));
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s answers as documented', async (_key, route) => {
    const path = route.path.replace('{id}', 'no-such-id');
    const token = route.scope === 'open' ? null : undefined;
    const response = await api(route.method, path, { token, ...(route.body && { body: {} }) });
    // not the router's 404, never a 500: the route exists and judged the (empty) request
    expect(response.status).toBeLessThan(500);
    if (response.status === 404) expect(response.body.error.message).toMatch(/^No (template|robot|push record|image|starter) with id/);
  });
});
