// The role matrix, generated from the route table: every route × (no token, revoked, expired, publisher,
// viewer, editor, admin, instance admin). A route added to the table is in the matrix with the role it
// declares; the contract's table of who may do what is written out here, apart from the code that enforces it.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { api } from '../support/api';
import { makeToken } from '../support/teams';
import { allItems } from '../support/tableItems';
import { routeList, routes } from '../../schemas/routes';
import type { RouteRole } from '../../lib/auth/roles';

type Caller = 'no token' | 'revoked' | 'expired' | 'publisher' | 'viewer' | 'editor' | 'admin' | 'instance admin';
const callers: Caller[] = ['no token', 'revoked', 'expired', 'publisher', 'viewer', 'editor', 'admin', 'instance admin'];

/** docs/teams.md, "Roles": who may call a route of each least role. */
const mayCall: Record<Exclude<RouteRole, 'open'>, Caller[]> = {
  member: ['publisher', 'viewer', 'editor', 'admin', 'instance admin'],
  publisher: ['publisher', 'admin', 'instance admin'],
  viewer: ['viewer', 'editor', 'admin', 'instance admin'],
  editor: ['editor', 'admin', 'instance admin'],
  admin: ['admin', 'instance admin'],
  'instance-admin': ['instance admin'],
};

const tokens = {} as Record<Caller, string | null>;

beforeAll(async () => {
  tokens['no token'] = null;
  tokens['instance admin'] = undefined as unknown as string; // api() sends the instance admin token by default
  for (const role of ['publisher', 'viewer', 'editor', 'admin'] as const) tokens[role] = (await makeToken(role)).token;
  const revoked = await makeToken('admin');
  expect((await api('DELETE', `/tokens/${revoked.id}`)).status).toBe(200);
  tokens.revoked = revoked.token;
  const expired = await makeToken('admin', { expiresInDays: 1 });
  const { dynamodb } = await import('../../lib/aws/clients');
  await dynamodb.send(
    new UpdateCommand({
      TableName: process.env.TABLE_NAME,
      Key: { pk: `TOKEN#${expired.id}`, sk: 'TOKEN' },
      UpdateExpression: 'SET expiresAt = :past',
      ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
    }),
  );
  tokens.expired = expired.token;
});

it('declares the contract’s least role on the routes it names', () => {
  const roleOf = (method: string, path: string) => routeList.find((route) => route.method === method && route.path === path)?.role;
  expect(roleOf('POST', '/events/report-ready')).toBe('publisher');
  expect(roleOf('POST', '/events/alertmanager')).toBe('publisher');
  expect(roleOf('GET', '/robots')).toBe('viewer');
  expect(roleOf('GET', '/push-records/{id}')).toBe('viewer');
  expect(roleOf('POST', '/templates/{id}/preview')).toBe('viewer');
  expect(roleOf('POST', '/robots')).toBe('editor');
  expect(roleOf('POST', '/push-records/{id}/resend')).toBe('editor');
  expect(roleOf('POST', '/push-records/resend')).toBe('editor');
  expect(roleOf('POST', '/tokens')).toBe('admin');
  expect(roleOf('GET', '/audit-events')).toBe('admin');
  expect(roleOf('POST', '/workspaces')).toBe('instance-admin');
  expect(routes.getHealth.role).toBe('open');
});

const cases = routeList.flatMap((route) => callers.map((caller) => [`${route.method} ${route.path} as ${caller}`, route, caller] as const));

it.each(cases)('%s', async (_label, route, caller) => {
  const response = await api(route.method, route.path.replace('{id}', 'no-such-id'), {
    token: tokens[caller],
    body: route.body ? {} : undefined,
  });
  expect(response.status).toBeLessThan(500);
  if (route.role === 'open') {
    // an open route refuses only what it says it refuses (a callback without DingTalk's signature: 401)
    if (!(route.errors as readonly number[] | undefined)?.includes(response.status)) expect([401, 403]).not.toContain(response.status);
    return;
  }
  if (caller === 'no token' || caller === 'revoked' || caller === 'expired') {
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('Unauthorized');
    if (caller !== 'no token') expect(response.body.error.message).toContain(caller === 'revoked' ? 'revoked' : 'expired');
  } else if (mayCall[route.role].includes(caller)) {
    expect([401, 403]).not.toContain(response.status);
  } else {
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: 'Forbidden', message: expect.stringContaining('needs') });
  }
  expect(response.raw).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack traces
});

it('writes every 403 to the audit log as auth.denied, naming the token and the route', async () => {
  const denied = (await allItems()).filter((item) => item.action === 'auth.denied');
  // the matrix refused the viewer on POST /robots, among others
  const viewerOnPostRobots = denied.find(
    (item) => (item.target as { id: string }).id === 'POST /robots' && (item.actor as { name: string }).name.startsWith('viewer'),
  );
  expect(viewerOnPostRobots).toMatchObject({ result: 'denied', workspaceId: 'default', actor: { type: 'token' } });
  const listed = await api('GET', '/audit-events?action=auth.denied&limit=100');
  expect(listed.body.items.length).toBeGreaterThan(10);
  expect(listed.body.items.every((event: { result: string }) => event.result === 'denied')).toBe(true);
});

it('answers any path or method the table does not name with 404 in the error envelope, token or not', async () => {
  for (const [method, path] of [
    ['GET', '/no-such-path'],
    ['PUT', '/robots'],
    ['GET', '/robots/some-id/nothing-here'],
  ]) {
    for (const token of [undefined, null]) {
      const response = await api(method, path, { token });
      expect(response.status).toBe(404);
      expect(response.body.error).toMatchObject({ code: 'NotFound', message: `No route ${method} ${path}` });
    }
  }
});
