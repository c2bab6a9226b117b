// Secrets that never leave (the role matrix: roles.test.ts), and webhook requests that never go where they should not.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api } from '../support/api';
import { captureOutput } from '../support/captureOutput';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

// the secrets test reads the service's log lines: let info lines through (modules load lazily, after this)
process.env.LOG_LEVEL = 'info';
// a webhook that always answers 502 gives up within the test
process.env.PUSH_RETRY_WINDOW = '6s';

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
