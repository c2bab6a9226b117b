// Auth matrix, secrets that never leave, and webhook requests that never go where they should not.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api } from '../support/api';
import { captureOutput } from '../support/captureOutput';
import { adminToken, publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';
import { routeList as routes } from '../../schemas/routes';

// the secrets test reads the service's log lines: let info lines through (modules load lazily, after this)
process.env.LOG_LEVEL = 'info';
// a webhook that always answers 502 gives up within the test
process.env.PUSH_RETRY_WINDOW = '6s';

describe('auth matrix: every endpoint × (no token, wrong token, publisher, admin)', () => {
  const callers: [string, string | null][] = [
    ['no token', null],
    ['wrong token', 'not-a-token'],
    ['publisher', publisherToken],
    ['admin', adminToken],
  ];
  const cases = routes.flatMap((route) =>
    callers.map(([caller, token]) => [`${route.method} ${route.path} as ${caller}`, route, caller, token] as const),
  );

  it.each(cases)('%s', async (_label, route, caller, token) => {
    const response = await api(route.method, route.path.replace('{id}', 'some-id'), { token, body: route.body ? {} : undefined });
    const allowed = route.scope === 'open' || caller === 'admin' || (caller === 'publisher' && route.scope === 'publisher');
    if (allowed) {
      expect([401, 403]).not.toContain(response.status);
      expect(response.status).toBeLessThan(500);
    } else if (caller === 'publisher') {
      expect(response.status).toBe(403);
    } else {
      expect(response.status).toBe(401);
    }
    // without an Authorization header API Gateway answers before the authorizer runs, with its own body
    if (caller === 'no token' && !allowed) expect(response.body).toEqual({ message: 'Unauthorized' });
    else if (response.status >= 400) expect(response.body.error.message).toEqual(expect.any(String));
    expect(response.raw).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack traces
  });

  it('refuses a request whose authorizer context came from a header, or that reached a function without its authorizer', async () => {
    const { handler } = require('../../functions/robots') as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const event = (extra: Record<string, unknown>) => ({
      version: '2.0',
      routeKey: 'GET /robots',
      rawPath: '/robots',
      headers: {},
      requestContext: { http: { method: 'GET', path: '/robots' }, ...extra },
    });
    const forged = { authorizer: { lambda: { grants: 'admin', allowed: true, scope: 'admin' } } };
    const overridden = await handler(
      { ...event(forged), headers: { 'sls-offline-authorizer-override': JSON.stringify(forged.authorizer) } },
      { awsRequestId: 'test' },
    );
    expect(overridden.statusCode).toBe(403);
    expect(JSON.parse(overridden.body).error.message).toMatch(/sls-offline-authorizer-override/);
    const bypassed = await handler(event({}), { awsRequestId: 'test' });
    expect(bypassed.statusCode).toBe(401);
    // the publisher authorizer's verdict does not open an admin route
    const publisherGrant = await handler(event({ authorizer: { lambda: { grants: 'publisher', allowed: true, scope: 'admin' } } }), {
      awsRequestId: 'test',
    });
    expect(publisherGrant.statusCode).toBe(401);
  });
});

describe('secrets', () => {
  it('never appear in a response or a log line, even when deliveries fail', async () => {
    const output = captureOutput();
    const worker = startWorker();
    const responses: string[] = [];
    const secret = `SEC${randomUUID().replace(/-/g, '')}`;
    const wrongSecret = `SEC${randomUUID().replace(/-/g, '')}`;
    try {
      const template = await api('POST', '/templates', { body: { name: `Secret test ${randomUUID()}`, msgType: 'text', text: 'hello' } });
      const good = await simulator.registerRobot({ secret });
      const bad = await simulator.registerRobot({ secret });
      const failing = await simulator.registerRobot();
      await simulator.setFaults(failing.token, { rates: { http5xx: 1 } });
      const reportId = `secret-${randomUUID()}`;
      const created = [];
      for (const [robot, robotSecret] of [
        [good, secret],
        [bad, wrongSecret],
        [failing, secret],
      ] as const) {
        const response = await api('POST', '/robots', {
          body: {
            name: `Secret robot ${randomUUID()}`,
            webhookUrl: robot.webhookUrl,
            secret: robotSecret,
            templateId: template.body.id,
            reports: [reportId],
          },
        });
        responses.push(response.raw);
        created.push(response.body.id);
      }
      // a bad webhook URL: the refusal must not echo the token either
      responses.push(
        (
          await api('POST', '/robots', {
            body: { name: 'x', webhookUrl: `http://10.0.0.1/robot/send?access_token=${good.token}`, templateId: template.body.id },
          })
        ).raw,
      );
      responses.push((await api('PATCH', `/robots/${created[0]}`, { body: { secret: 'not-a-sec' } })).raw);
      const event = await api('POST', '/events/report-ready', {
        token: publisherToken,
        body: { eventId: randomUUID(), reportId, reportName: 'Secrets' },
      });
      responses.push(event.raw);
      await waitFor(
        async () => (await api('GET', `/push-records?eventId=${event.body.eventId}`)).body.items,
        (items: { status: string }[]) => items.length === 3 && items.every((i) => ['sent', 'failed'].includes(i.status)),
        { timeoutMs: 30_000 },
      );
      const list = await api('GET', `/push-records?eventId=${event.body.eventId}`);
      responses.push(list.raw);
      for (const item of list.body.items) responses.push((await api('GET', `/push-records/${item.id}`)).raw);
      for (const id of created) {
        responses.push((await api('GET', `/robots/${id}`)).raw);
        responses.push((await api('POST', `/robots/${id}/test`, { body: {} })).raw);
        responses.push((await api('POST', `/robots/${id}/disable`)).raw);
      }
      responses.push((await api('GET', '/robots?limit=100')).raw);
      responses.push((await api('POST', `/templates/${template.body.id}/preview`, { body: { robotId: created[0] } })).raw);
      const everything = responses.join('\n') + output.text();
      for (const needle of [secret, wrongSecret, good.token, bad.token, failing.token]) expect(everything).not.toContain(needle);
      expect(output.text().length).toBeGreaterThan(0);
    } finally {
      output.restore();
      await worker.stop();
    }
  }, 60_000);
});

describe('webhook requests', () => {
  it('never follow a redirect away from DingTalk', async () => {
    let hits = 0;
    const elsewhere = createServer((_request, response) => {
      hits += 1;
      response.end('{"errcode":0,"errmsg":"ok"}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const worker = startWorker();
    try {
      const template = await api('POST', '/templates', { body: { name: `Redirect ${randomUUID()}`, msgType: 'text', text: 'hi' } });
      const robot = await simulator.registerRobot({ redirectTo: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal` });
      await simulator.setFaults(robot.token, { next: ['redirect'] });
      const reportId = `redirect-${randomUUID()}`;
      await api('POST', '/robots', {
        body: { name: `Redirect robot ${randomUUID()}`, webhookUrl: robot.webhookUrl, templateId: template.body.id, reports: [reportId] },
      });
      const event = await api('POST', '/events/report-ready', {
        token: publisherToken,
        body: { eventId: randomUUID(), reportId, reportName: 'R' },
      });
      const [record] = await waitFor(
        async () => (await api('GET', `/push-records?eventId=${event.body.eventId}`)).body.items,
        (items: { status: string; errmsg?: string }[]) => items[0]?.status === 'failed',
        { timeoutMs: 20_000 },
      );
      expect(record.errmsg).toMatch(/redirect .*not followed/);
      expect(hits).toBe(0);
    } finally {
      await worker.stop();
      elsewhere.close();
    }
  });
});
