// A token's life: made (its secret shown once, stored only as a digest), used (lastUsedAt at most once a
// minute), rotated (the old one works through its grace period), revoked (refused at once here, as under
// npm start), expired (a fake clock).
import { api } from '../support/api';
import { allItems } from '../support/tableItems';
import { makeToken } from '../support/teams';
import { apiTokenPattern, prefixLength } from '../../lib/auth/apiTokens';
import { authorize } from '../../lib/auth/authorize';
import { dynamodb } from '../../lib/aws/clients';

/** DynamoDB calls on token items, counted at the client: what a request costs the table. */
const tokenCalls: { command: string; pk: string }[] = [];
beforeAll(() => {
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const pk = String((args.input as { Key?: { pk?: string } }).Key?.pk ?? '');
      if (pk.startsWith('TOKEN#')) tokenCalls.push({ command: String(context.commandName), pk });
      return next(args);
    },
    { step: 'initialize', name: 'countTokenCalls' },
  );
});

const credentials = (token: string) => ({ authorization: `Bearer ${token}`, requestId: 'test' });

it('shows the secret once, in the answer that made it; lists, the table and the audit log never hold it', async () => {
  const made = await api('POST', '/tokens', { body: { name: 'BI nightly', role: 'publisher', expiresInDays: 30 } });
  expect(made.status).toBe(201);
  expect(made.body.token).toMatch(apiTokenPattern);
  expect(made.body).toMatchObject({ name: 'BI nightly', role: 'publisher', prefix: made.body.token.slice(0, prefixLength) });
  expect(Date.parse(made.body.expiresAt) - Date.parse(made.body.createdAt)).toBe(30 * 86_400_000);
  const secretPart = made.body.token.slice(prefixLength);
  const listed = await api('GET', '/tokens?limit=100');
  expect(listed.raw).not.toContain(secretPart);
  expect(listed.body.items.find((token: { id: string }) => token.id === made.body.id)).not.toHaveProperty('token');
  // a scan of the whole table: the token in no item, in any field, in plain text
  expect(JSON.stringify(await allItems())).not.toContain(secretPart);
  expect((await api('GET', '/audit-events?limit=100')).raw).not.toContain(secretPart);
  // it works, as what it is
  const whoami = await api('GET', '/whoami', { token: made.body.token });
  expect(whoami.body).toMatchObject({ workspace: { id: 'default' }, actor: { type: 'token', id: made.body.id, role: 'publisher' } });
});

it('refuses expiry outside 1 to 365 days, and an unknown role, naming the field', async () => {
  for (const body of [
    { name: 'x', role: 'admin', expiresInDays: 0 },
    { name: 'x', role: 'admin', expiresInDays: 366 },
    { name: 'x', role: 'owner' },
  ]) {
    const refused = await api('POST', '/tokens', { body });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toMatch(/^\/(expiresInDays|role)$/);
  }
});

it('refuses a revoked token at once, and says so', async () => {
  const { id, token } = await makeToken('viewer');
  expect((await api('GET', '/robots', { token })).status).toBe(200);
  const revoked = await api('DELETE', `/tokens/${id}`);
  expect(revoked.body).toMatchObject({ id, revokedAt: expect.any(String) });
  const after = await api('GET', '/robots', { token });
  expect(after.status).toBe(401);
  expect(after.body.error.message).toMatch(/revoked/);
  expect((await api('DELETE', `/tokens/${id}`)).status).toBe(409);
  const events = (await api('GET', `/audit-events?targetId=${id}`)).body.items;
  expect(events.map((event: { action: string }) => event.action)).toEqual(['token.revoke', 'token.create']);
});

it('rotates: a new secret of the same name and role; the old one works through the grace period, then not', async () => {
  const old = await makeToken('editor', { name: 'Deploy script' });
  const rotated = await api('POST', `/tokens/${old.id}/rotate`, { body: { graceSeconds: 2 } });
  expect(rotated.status).toBe(201);
  expect(rotated.body).toMatchObject({
    name: 'Deploy script',
    role: 'editor',
    rotatedFrom: old.id,
    token: expect.stringMatching(apiTokenPattern),
  });
  expect(rotated.body.token).not.toBe(old.token);
  expect((await api('GET', '/robots', { token: old.token })).status).toBe(200);
  expect((await api('GET', '/robots', { token: rotated.body.token })).status).toBe(200);
  const listed = (await api('GET', '/tokens?limit=100')).body.items.find((token: { id: string }) => token.id === old.id);
  expect(Date.parse(listed.revokedAt)).toBeGreaterThan(Date.now());
  // after the grace period, on the service's own clock
  await expect(authorize(credentials(old.token), 'viewer', 'GET /robots', Date.now() + 2500)).rejects.toThrow(/revoked/);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect((await api('GET', '/robots', { token: old.token })).status).toBe(401);
  expect((await api('GET', '/robots', { token: rotated.body.token })).status).toBe(200);
});

it('expires: refused once its time has come (a fake clock), with a message that says so', async () => {
  const { token } = await makeToken('viewer', { expiresInDays: 1 });
  await expect(authorize(credentials(token), 'viewer', 'GET /robots', Date.now() + 86_400_000 - 60_000)).resolves.toMatchObject({
    grant: { role: 'viewer', instance: false },
  });
  await expect(authorize(credentials(token), 'viewer', 'GET /robots', Date.now() + 86_400_000 + 1000)).rejects.toThrow(/expired/);
});

it('writes lastUsedAt at most once a minute: 1,000 requests over three minutes, counted at the database', async () => {
  const { id, token } = await makeToken('viewer');
  tokenCalls.length = 0;
  const start = Date.now();
  for (let i = 0; i < 1000; i++) await authorize(credentials(token), 'viewer', 'GET /robots', start + i * 180);
  const writes = tokenCalls.filter((call) => call.command === 'UpdateItemCommand' && call.pk === `TOKEN#${id}`);
  // minutes 0, 1 and 2 of the 180 s: one write each
  expect(writes.length).toBeGreaterThanOrEqual(1);
  expect(writes.length).toBeLessThanOrEqual(3);
  // and a fresh token through the API at full speed: its first use is written, the rest of the minute not
  const fresh = await makeToken('viewer');
  tokenCalls.length = 0;
  for (let i = 0; i < 50; i++) expect((await api('GET', '/whoami', { token: fresh.token })).status).toBe(200);
  expect(tokenCalls.filter((call) => call.command === 'UpdateItemCommand')).toHaveLength(1);
  const listed = (await api('GET', '/tokens?limit=100')).body.items.find((item: { id: string }) => item.id === fresh.id);
  expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(start);
});

it('recognises a mistyped token by its checksum, without a read', async () => {
  const { token } = await makeToken('viewer');
  const typo = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
  tokenCalls.length = 0;
  const refused = await api('GET', '/robots', { token: typo });
  expect(refused.status).toBe(401);
  expect(refused.body.error.message).toBe('The token is not valid');
  expect(tokenCalls).toEqual([]);
});
