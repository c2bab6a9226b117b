// The service as a user runs it: `npm start`, then plain HTTP.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { listeningPorts, processTree } from '../support/listeningPorts';
import { startLocalService, type LocalService } from '../support/localService';
import { simulatorAt } from '../support/simulator';
import { waitFor } from '../support/waitFor';

let service: LocalService;

beforeAll(async () => {
  // the sweeper every 5 s: quiet hours that end within the test are released soon after
  service = await startLocalService({ SWEEP_INTERVAL_SECONDS: '5' });
}, 200_000);

afterAll(async () => {
  await service?.stop();
});

describe('npm start', () => {
  it("does the README's first push from a client typed by openapi-typescript from the committed document, strict, with no casts", async () => {
    const project = join(__dirname, '..', '..');
    const client = join(project, 'examples', 'typed-client');
    const program = readFileSync(join(client, 'firstPush.ts'), 'utf8');
    expect(program).not.toMatch(/\bas\s+(unknown|any|[A-Z{])|:\s*any\b|<any>/);
    const bin = (name: string) => join(project, 'node_modules', '.bin', name);
    const run = (command: string, args: string[], env: Record<string, string> = {}) =>
      execFileSync(command, args, { cwd: project, env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' });
    run(bin('openapi-typescript'), ['docs/openapi.json', '-o', join(client, 'generated', 'api.d.ts')]);
    run(bin('tsc'), ['-p', client]);
    const output = run(bin('tsx'), [join(client, 'firstPush.ts')], {
      DINGPUSH_URL: service.apiUrl,
      ADMIN_TOKEN: service.adminToken,
      PUBLISHER_TOKEN: service.publisherToken,
      WEBHOOK_URL: `${service.simulatorUrl}/robot/send?access_token=typedclient0123456789`,
    });
    const pushed = JSON.parse(output.trim().split('\n').pop()!);
    expect(pushed).toMatchObject({ status: 'sent', markdown: '### Daily sales\nRevenue: **¥12,300**\n[Open](https://bi.example.com/r/1)' });
  }, 120_000);

  it('serves health without a token and prints the tokens and URLs', async () => {
    expect((await fetch(`${service.apiUrl}/health`)).status).toBe(200);
    expect(service.output()).toContain(`admin token     ${service.adminToken}`);
    expect(service.simulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates, lists, disables and deletes a robot over HTTP', async () => {
    const template = await service.call('POST', '/templates', { name: 'E2E template', msgType: 'text', text: '{{reportName}} is ready' });
    expect(template.status).toBe(201);
    const webhookUrl = `${service.simulatorUrl}/robot/send?access_token=e2etoken0123456789`;
    const secret = 'SECe2esealed0123456789abcdef';
    const robot = await service.call('POST', '/robots', { name: 'E2E robot', webhookUrl, templateId: template.body.id, secret });
    expect(robot.status).toBe(201);
    expect(robot.text).not.toContain('e2etoken0123456789');
    // sealed at rest: no file in DATA_DIR holds the token or the secret
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
      );
    })(service.dataDir);
    expect(files.some((file) => file.includes('dynamodb'))).toBe(true);
    // the search can see the robot: its name is stored in plain text
    expect(files.some((file) => readFileSync(file).toString('latin1').includes('E2E robot'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      expect({ file, token: bytes.includes('e2etoken0123456789'), secret: bytes.includes('e2esealed0123456789') }).toEqual({
        file,
        token: false,
        secret: false,
      });
    }
    const key = statSync(join(service.dataDir, 'secrets.key'));
    expect(key.mode & 0o077).toBe(0);

    const listed = await service.call('GET', '/robots?keyword=e2e');
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([robot.body.id]);

    const disabled = await service.call('POST', `/robots/${robot.body.id}/disable`);
    expect(disabled.body.enabled).toBe(false);
    expect((await service.call('GET', '/robots?enabled=false')).body.items.map((r: { id: string }) => r.id)).toContain(robot.body.id);

    expect((await service.call('DELETE', `/robots/${robot.body.id}`)).status).toBe(204);
    expect((await service.call('GET', `/robots/${robot.body.id}`)).status).toBe(404);
    expect((await service.call('DELETE', `/templates/${template.body.id}`)).status).toBe(204);
  });

  it('publishes an event and the message reaches the simulator with a sent record', async () => {
    const template = await service.call('POST', '/templates', {
      name: 'E2E delivery',
      msgType: 'markdown',
      title: '{{reportName}}',
      text: '**{{reportName}}**: {{data.total}}',
    });
    const token = 'e2edelivery0123456789';
    const robot = await service.call('POST', '/robots', {
      name: 'E2E delivery robot',
      webhookUrl: `${service.simulatorUrl}/robot/send?access_token=${token}`,
      templateId: template.body.id,
      reports: ['e2e-sales'],
    });
    const published = await service.call(
      'POST',
      '/events/report-ready',
      { eventId: 'e2e-event-1', reportId: 'e2e-sales', reportName: 'Sales', data: { total: 99 } },
      service.publisherToken,
    );
    expect(published.status).toBe(202);
    expect(published.body).toEqual({ eventId: 'e2e-event-1', jobs: 1, duplicate: false });

    const messages = await waitFor(
      async () =>
        ((await (await fetch(`${service.simulatorUrl}/_sim/messages?access_token=${token}`)).json()) as { items: { body: any }[] }).items,
      (items) => items.length === 1,
      { timeoutMs: 30_000, what: 'message at the simulator' },
    );
    expect(messages[0].body.markdown).toEqual({ title: 'Sales', text: '**Sales**: 99' });

    const records = await waitFor(
      async () => (await service.call('GET', `/push-records?robotId=${robot.body.id}`)).body.items as { id: string; status: string }[],
      (items) => items.length === 1 && items[0].status === 'sent',
      { timeoutMs: 30_000, what: 'sent record' },
    );
    const detail = await service.call('GET', `/push-records/${records[0].id}`);
    expect(detail.body.content).toEqual(messages[0].body);
    expect(detail.body.template).toMatchObject({ id: template.body.id, name: 'E2E delivery', version: 1 });
  });

  it('pushes a screenshot sent as multipart through npm start: the simulator loads it from the API without a token', async () => {
    const template = await service.call('POST', '/templates', {
      name: 'E2E screenshot',
      msgType: 'markdown',
      title: '{{reportName}}',
      text: '![{{image.name}}]({{{image.url}}})',
    });
    const token = 'e2escreenshot0123456789';
    await service.call('POST', '/robots', {
      name: 'E2E screenshot robot',
      webhookUrl: `${service.simulatorUrl}/robot/send?access_token=${token}`,
      templateId: template.body.id,
      reports: ['e2e-shots'],
    });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const form = new FormData();
    form.append('event', JSON.stringify({ eventId: 'e2e-shot-1', reportId: 'e2e-shots', reportName: 'Revenue' }));
    form.append('screenshot', new Blob([png], { type: 'image/png' }), 'revenue.png');
    const published = await fetch(`${service.apiUrl}/events/report-ready`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.publisherToken}` },
      body: form,
    });
    expect(published.status).toBe(202);
    const [message] = await waitFor(
      async () =>
        (
          (await (await fetch(`${service.simulatorUrl}/_sim/messages?access_token=${token}`)).json()) as {
            items: { body: any; images: { url: string; loaded: boolean | null; contentType?: string }[] }[];
          }
        ).items,
      (items) => items.length === 1 && items[0].images.every((image) => image.loaded !== null),
      { timeoutMs: 30_000, what: 'the screenshot loaded by the simulator' },
    );
    expect(message.images).toEqual([expect.objectContaining({ loaded: true, contentType: 'image/png' })]);
    // PUBLIC_BASE_URL's default under npm start: the local API itself
    expect(message.images[0].url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${new URL(service.apiUrl).port}/images/[\\w-]{24}$`));
    const served = await fetch(message.images[0].url);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
  });

  it('answers every refusal and unknown path in the error envelope under serverless-offline, and a revoke at once', async () => {
    const envelope = async (response: Response) => {
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(body)).toEqual(['error']);
      return body.error;
    };
    // no token, and a token in the query string (not where tokens go)
    for (const path of ['/robots', `/robots?access_token=${service.adminToken}`]) {
      const refused = await fetch(`${service.apiUrl}${path}`);
      expect(refused.status).toBe(401);
      expect(await envelope(refused)).toMatchObject({ code: 'Unauthorized', message: expect.stringContaining('Authorization: Bearer') });
    }
    for (const [method, path] of [
      ['POST', '/events/report-ready'],
      ['POST', '/events/alertmanager'],
    ]) {
      const refused = await fetch(`${service.apiUrl}${path}`, { method, body: '{}' });
      expect(refused.status).toBe(401);
      expect((await envelope(refused)).code).toBe('Unauthorized');
    }
    const wrong = await service.call('GET', '/robots', undefined, 'not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: 'Unauthorized', message: 'The token is not valid' });
    const publisher = await service.call('GET', '/robots', undefined, service.publisherToken);
    expect(publisher.status).toBe(403);
    expect(publisher.body.error).toMatchObject({ code: 'Forbidden', message: expect.stringContaining('viewer') });
    // a path or method no route names: 404 naming only the request, not every route there is
    for (const [method, path] of [
      ['GET', '/no-such-path'],
      ['DELETE', '/robots'],
    ]) {
      const unknown = await fetch(`${service.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${service.adminToken}` } });
      expect(unknown.status).toBe(404);
      expect(await envelope(unknown)).toEqual({ code: 'NotFound', message: `No route ${method} ${path}`, details: [] });
    }
    // a workspace token: refused on the very next request after its revoke
    const made = await service.call('POST', '/tokens', { name: 'e2e', role: 'viewer' });
    expect((await service.call('GET', '/robots', undefined, made.body.token)).status).toBe(200);
    expect((await service.call('DELETE', `/tokens/${made.body.id}`)).status).toBe(200);
    const revoked = await service.call('GET', '/robots', undefined, made.body.token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toMatch(/revoked/);
  });

  it('listens only on the authenticated API, the simulator and the emulators, with no Lambda invoke port', async () => {
    const ports = listeningPorts(processTree(service.stackPid as number));
    const apiPort = Number(new URL(service.apiUrl).port);
    const simulatorPort = Number(new URL(service.simulatorUrl).port);
    const loopback = ['127.0.0.1', '::1'];
    const kinds = new Set<string>();
    for (const listener of ports) {
      const where = `${listener.command.slice(0, 120)} on ${listener.address}:${listener.port}`;
      if (listener.port === apiPort) {
        kinds.add('api');
        expect(loopback).toContain(listener.address);
        expect((await fetch(`http://127.0.0.1:${apiPort}/robots`)).status).toBe(401);
        expect(
          (await fetch(`http://127.0.0.1:${apiPort}/2015-03-31/functions/dingpush-dev-worker/invocations`, { method: 'POST', body: '{}' }))
            .status,
        ).toBe(404);
      } else if (listener.port === simulatorPort) {
        kinds.add('simulator');
        expect(loopback).toContain(listener.address);
      } else if (listener.command.includes('queue-emulator-main')) {
        kinds.add('queue');
        expect(loopback).toContain(listener.address);
      } else if (listener.command.includes('DynamoDBLocal.jar')) {
        // DynamoDB Local has no option to listen on loopback only (docs/running.md); a web page may not use it
        kinds.add('database');
        const preflight = await fetch(`http://127.0.0.1:${listener.port}/`, {
          method: 'OPTIONS',
          headers: {
            Origin: 'http://localhost:8080',
            'Access-Control-Request-Method': 'POST',
            'Access-Control-Request-Headers': 'content-type,x-amz-target',
          },
        });
        expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      } else {
        throw new Error(`npm start listens where it should not: ${where}`);
      }
    }
    expect([...kinds].sort()).toEqual(['api', 'database', 'queue', 'simulator']);
  });

  it('holds pushes in a short quiet window, sends an urgent one at once, and the rest when it ends, in order, as one digest', async () => {
    // quiet from this minute to the next whole minute at least 20 s away (UTC)
    const end = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
    const clock = (at: Date) => at.toISOString().slice(11, 16);
    const template = await service.call('POST', '/templates', { name: 'Quiet window', msgType: 'text', text: 'Quiet {{data.n}}' });
    const token = 'e2equiet0123456789';
    const robot = await service.call('POST', '/robots', {
      name: 'Quiet window robot',
      webhookUrl: `${service.simulatorUrl}/robot/send?access_token=${token}`,
      templateId: template.body.id,
      reports: ['e2e-quiet'],
      digest: { enabled: true },
      quietHours: { from: clock(new Date()), to: clock(end), timeZone: 'UTC' },
    });
    expect(robot.status).toBe(201);
    const publish = (n: number, urgent = false) =>
      service.call(
        'POST',
        '/events/report-ready',
        { eventId: `e2e-quiet-${n}`, reportId: 'e2e-quiet', reportName: 'Quiet', data: { n }, ...(urgent && { urgent }) },
        service.publisherToken,
      );
    for (const n of [1, 2, 3]) expect((await publish(n)).status).toBe(202);
    expect((await publish(4, true)).status).toBe(202);
    const simulator = simulatorAt(() => service.simulatorUrl);
    const urgentFirst = await waitFor(
      () => simulator.messages(token),
      (messages) => messages.length >= 1,
      { timeoutMs: 20_000, what: 'the urgent push' },
    );
    expect(urgentFirst.map((message) => message.body)).toEqual([{ msgtype: 'text', text: { content: 'Quiet 4' } }]);
    const all = await waitFor(
      () => simulator.messages(token),
      (messages) => messages.length === 2,
      { timeoutMs: 120_000, intervalMs: 1000, what: 'the held pushes after the quiet window' },
    );
    expect(all[1].body).toEqual({
      msgtype: 'markdown',
      markdown: { title: '3 条推送 · 3 pushes', text: '#### 3 条推送 · 3 pushes\n\n- Quiet 1\n- Quiet 2\n- Quiet 3' },
    });
    expect(all[1].at).toBeGreaterThanOrEqual(end.getTime());
  }, 150_000);
});
