import { readFileSync } from 'node:fs';
import { api } from '../support/api';
import { assertDocumentedResponse } from '../support/contract';
import { routeList } from '../../schemas/routes';
import { committedDocumentPath } from '../../scripts/write-openapi';

describe('GET /openapi.json', () => {
  it('is served without a token and is the document committed as docs/openapi.json', async () => {
    const response = await api('GET', '/openapi.json', { token: null });
    expect(response.status).toBe(200);
    // run `npm run openapi` after changing a route or a schema, and commit what it writes
    expect(response.body).toEqual(JSON.parse(readFileSync(committedDocumentPath, 'utf8')));
    const documented = Object.entries(response.body.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
      ([, methods]) => Object.values(methods).map((operation) => operation.operationId),
    );
    expect(documented.sort()).toEqual(routeList.map((route) => route.operationId).sort());
    // a webhook robot needs webhookUrl, an app robot app: the service says which is missing, naming it
    expect(response.body.components.schemas.CreateRobot.required).toEqual(['name', 'templateId']);
  });

  it('refuses an answer that drifts from the document: an undocumented field, a missing one, an unlisted status', async () => {
    const robot = await api('POST', '/robots', { body: {} });
    expect(robot.status).toBe(400);
    expect(() => assertDocumentedResponse('GET', '/health', 200, 'application/json', { status: 'ok', uptime: 1 })).toThrow(
      /refuses.*must NOT have additional properties/,
    );
    expect(() => assertDocumentedResponse('GET', '/push-statistics', 200, 'application/json', {})).toThrow(
      /must have required property 'days'/,
    );
    expect(() => assertDocumentedResponse('GET', '/health', 404, 'application/json', robot.body)).toThrow(/does not list/);
    expect(() => assertDocumentedResponse('GET', '/robots/{id}', 404, 'text/plain', 'Not found')).toThrow(/as text\/plain/);
  });

  it.each(routeList.map((route) => [`${route.method} ${route.path}`, route] as const))('%s answers as documented', async (_key, route) => {
    const path = route.path.replace('{id}', 'no-such-id');
    const token = route.role === 'open' ? null : undefined;
    // api() holds the answer to the document; this checks it is the route's own judgement, not the router's
    const response = await api(route.method, path, { token, ...(route.body && { body: {} }) });
    expect(response.status).toBeLessThan(500);
    if (response.status === 404)
      expect(response.body.error.message).toMatch(
        /^No (template|robot|push record|image|starter|token|workspace|DingTalk app) with id|^No push records of event/,
      );
  });
});
