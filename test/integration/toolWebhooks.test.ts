// The tools' own webhooks (fixtures copied from each tool's documentation and source, test/fixtures/):
// mapped to report events, pushed with the starter templates, retried deliveries counted once.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';
import { deliveryFingerprint, publishToolEvent, toolRetryWindowMs } from '../../lib/sources/publishToolEvent';
import { hashOfPayload } from '../../lib/events/publishReportReady';
import { eventsStore } from '../../lib/store/eventsStore';
import { toolEvent } from '../../lib/sources/toolEvents';

type Payload = any;
const fixture = (name: string): Payload =>
  (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8')) as { payload: Payload }).payload;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const markdownOf = (message: { body: Record<string, any> }) => message.body.markdown as { title: string; text: string };

let worker: ReturnType<typeof startWorker>;
beforeAll(() => {
  worker = startWorker();
});
afterAll(() => worker.stop());

/** A robot on `reportId` with the starter's template in `language`. */
async function robotWithStarter(starter: string, reportId: string, language: 'zh-CN' | 'en') {
  const template = await api('POST', `/template-starters/${starter}`, { body: { language, name: `${starter} ${randomUUID()}` } });
  expect(template.status).toBe(201);
  const registered = await simulator.registerRobot();
  const robot = await api('POST', '/robots', {
    body: {
      name: `${starter} robot ${randomUUID()}`,
      webhookUrl: registered.webhookUrl,
      templateId: template.body.id,
      reports: [reportId],
    },
  });
  expect(robot.status).toBe(201);
  return { ...registered, id: robot.body.id as string };
}

const post = (source: string, body: unknown, options: { authorization?: string; token?: string } = {}) =>
  api('POST', `/events/${source}`, { token: options.token ?? publisherToken, body, authorization: options.authorization });

describe('tool webhooks', () => {
  it('Alertmanager: firing then resolved are two pushes in order, a retried delivery is one, mentions come from the atMobiles annotation', async () => {
    const firing = { ...fixture('alertmanager-firing'), receiver: `dingpush-${randomUUID()}` };
    const robot = await robotWithStarter('alertmanager', `alertmanager:${firing.receiver}`, 'zh-CN');
    const first = await post('alertmanager', firing);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ jobs: 1, duplicate: false });
    expect(first.body.eventId).toMatch(/^alertmanager:[\w-]{22}:[0-9a-z]+$/);
    // Alertmanager retries a delivery it thinks failed with the very same body
    expect((await post('alertmanager', firing)).body).toEqual({ ...first.body, duplicate: true });
    const resolved = {
      ...firing,
      status: 'resolved',
      alerts: firing.alerts.map((alert: Payload) => ({ ...alert, status: 'resolved', endsAt: '2026-12-01T08:30:00.000Z' })),
    };
    const second = await post('alertmanager', resolved);
    expect(second.body).toMatchObject({ jobs: 1, duplicate: false });
    expect(second.body.eventId).not.toBe(first.body.eventId);
    const [fired, cleared] = await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 2,
      { what: 'firing and resolved pushes' },
    );
    expect(markdownOf(fired).title).toBe('【告警】[FIRING:2] HighRequestLatency');
    expect(markdownOf(fired).text).toContain('🔴 告警触发');
    expect(markdownOf(fired).text).toContain('- instance：api-1:8080');
    expect(markdownOf(fired).text).toContain('> High request latency');
    expect(markdownOf(fired).text).toContain('@13800000000');
    expect(fired.body.at).toEqual({ atMobiles: ['13800000000'], atUserIds: [], isAtAll: false });
    expect(markdownOf(cleared).title).toBe('【已恢复】[RESOLVED] HighRequestLatency');
    expect(markdownOf(cleared).text).toContain('恢复时间：2026-12-01T08:30:00.000Z');
    const records = await api('GET', `/push-records?robotId=${robot.id}`);
    expect(records.body.items.map((record: Payload) => [record.eventId, record.status, record.reportId])).toEqual([
      [second.body.eventId, 'sent', `alertmanager:${firing.receiver}`],
      [first.body.eventId, 'sent', `alertmanager:${firing.receiver}`],
    ]);
  });

  it('a payload repeated after the retry window (repeat_interval) is a new push', async () => {
    const firing = { ...fixture('alertmanager-firing'), receiver: `repeat-${randomUUID()}` };
    const robot = await robotWithStarter('alertmanager', `alertmanager:${firing.receiver}`, 'en');
    const now = Date.now();
    const first = await publishToolEvent('default', 'alertmanager', firing, undefined, now);
    expect((await publishToolEvent('default', 'alertmanager', firing, undefined, now + toolRetryWindowMs - 1000)).duplicate).toBe(true);
    const repeat = await publishToolEvent('default', 'alertmanager', firing, undefined, now + toolRetryWindowMs + 1000);
    expect(repeat.duplicate).toBe(false);
    expect(repeat.eventId).not.toBe(first.eventId);
    const messages = await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 2,
      { what: 'the repeated push' },
    );
    expect(messages.map((message) => markdownOf(message).title)).toEqual([
      '[Alert] [FIRING:2] HighRequestLatency',
      '[Alert] [FIRING:2] HighRequestLatency',
    ]);
  });

  it('answers 503, which the tools retry, while an earlier delivery of the same notification is still being queued', async () => {
    const firing = { ...fixture('alertmanager-firing'), receiver: `crashed-${randomUUID()}` };
    const robot = await robotWithStarter('alertmanager', `alertmanager:${firing.receiver}`, 'en');
    // an intake that claimed this delivery's eventId and died before queueing anything
    const eventId = await eventsStore.eventIdForDelivery(
      'default',
      deliveryFingerprint('alertmanager', firing),
      Date.now(),
      toolRetryWindowMs,
    );
    const event = { ...toolEvent.alertmanager(firing as never), eventId };
    await eventsStore.begin('default', event as never, hashOfPayload(event as never));
    const retried = await post('alertmanager', firing);
    expect(retried.status).toBe(503);
    expect(retried.body.error).toMatchObject({ code: 'TryAgainLater', message: expect.stringContaining('still being queued') });
    expect(await simulator.messages(robot.token)).toEqual([]);
  });

  it('Grafana: the documented payload with Basic auth (token as the password), the English starter, a wrong password refused', async () => {
    const payload = { ...fixture('grafana-firing'), receiver: `My Super Webhook ${randomUUID()}` };
    const robot = await robotWithStarter('grafana', `grafana:${payload.receiver}`, 'en');
    expect((await post('grafana', payload, { authorization: basic('grafana', 'not-the-token') })).status).toBe(401);
    const published = await post('grafana', payload, { authorization: basic('grafana', publisherToken) });
    expect(published.status).toBe(202);
    expect(published.body.jobs).toBe(1);
    const [message] = await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 1,
      { what: 'the Grafana push' },
    );
    expect(markdownOf(message).title).toBe('[Alert] [FIRING:2] blue');
    expect(markdownOf(message).text).toContain('**Firing**: High memory usage');
    expect(markdownOf(message).text).toContain('> This alert was triggered for zone eu-1');
    expect(markdownOf(message).text).toContain('[Details](https://play.grafana.org/alerting/d1rdpdv7k/edit)');
  });

  it('Superset: the JSON body, and the multipart body whose screenshot becomes the pushed image (its CSV left out)', async () => {
    const payload = { ...fixture('superset-report'), name: `Weekly sales ${randomUUID()}` };
    const robot = await robotWithStarter('superset', `superset:${payload.name}`, 'zh-CN');
    expect((await post('superset', payload)).body.jobs).toBe(1);
    const png = Buffer.from(fixture('metabase-alert').data.visualization.split(',')[1], 'base64');
    const boundary = `----superset${randomUUID()}`;
    const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const file = (name: string, type: string, bytes: Buffer) => [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`),
      bytes,
      Buffer.from('\r\n'),
    ];
    // as python-requests sends data={...} with files=[...]: dict and list values JSON-encoded, None values left out
    const bytes = Buffer.concat([
      Buffer.from(
        field('name', payload.name) +
          field('header', JSON.stringify(payload.header)) +
          field('description', payload.description) +
          field('url', payload.url),
      ),
      ...file('report.csv', 'text/csv', Buffer.from('region,sales\neast,10\n')),
      ...file('screenshot_0.png', 'image/png', png),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const multipart = await api('POST', '/events/superset', {
      token: publisherToken,
      bodyBytes: bytes,
      contentType: `multipart/form-data; boundary=${boundary}`,
    });
    expect(multipart.status).toBe(202);
    const [plain, withShot] = await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 2,
      { what: 'the Superset pushes' },
    );
    expect(markdownOf(plain).text).toBe(`### 📊 ${payload.name}\n\nSales by region, last 7 days\n\n[在 Superset 中查看](${payload.url})`);
    const imageUrl = /!\[screenshot_0\.png\]\((\S+)\)/.exec(markdownOf(withShot).text)?.[1];
    expect(imageUrl).toBeDefined();
    const served = await api('GET', new URL(imageUrl!).pathname, { token: null });
    expect(served.bytes?.equals(png)).toBe(true);
  });

  it('Metabase: the PNG visualization becomes an image, the rows stay in the data and the alert id names the report', async () => {
    const payload = fixture('metabase-alert');
    const alertId = Math.floor(Math.random() * 1e9);
    const robot = await robotWithStarter('metabase', `metabase:${alertId}`, 'en');
    const published = await post('metabase', { ...payload, alert_id: alertId });
    expect(published.body.jobs).toBe(1);
    const [message] = await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 1,
      { what: 'the Metabase push' },
    );
    expect(markdownOf(message).text).toContain('Metabase alert triggered (set up by Li Lei), 2 rows');
    expect(markdownOf(message).text).toContain('[Open in Metabase](https://metabase.example.com/question/42)');
    const imageUrl = /!\[Daily orders\.png\]\((\S+)\)/.exec(markdownOf(message).text)?.[1];
    const served = await api('GET', new URL(imageUrl!).pathname, { token: null });
    expect(served.headers?.['content-type']).toBe('image/png');
    const [record] = (await api('GET', `/push-records?robotId=${robot.id}`)).body.items;
    expect(record.reportId).toBe(`metabase:${alertId}`);
  });

  it('refuses an unknown shape with a 400 naming the field, queues nothing and leaves no event behind', async () => {
    const firing = { ...fixture('alertmanager-firing'), receiver: `bad-${randomUUID()}` };
    const robot = await robotWithStarter('alertmanager', `alertmanager:${firing.receiver}`, 'en');
    const wrongVersion = await post('alertmanager', { ...firing, version: '3' });
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.error.details).toContainEqual({ path: '/version', message: expect.stringContaining('4') });
    const noAlerts = await post('alertmanager', { ...firing, alerts: undefined });
    expect(noAlerts.body.error.details).toContainEqual({ path: '/alerts', message: 'is required' });
    const badStatus = await post('alertmanager', { ...firing, alerts: [{ ...firing.alerts[0], status: 'pending' }] });
    expect(badStatus.body.error.details[0].path).toBe('/alerts/0/status');
    const metabaseReport = await post('metabase', { ...fixture('metabase-alert'), type: 'pulse' });
    expect(metabaseReport.body.error.details).toContainEqual({ path: '/type', message: expect.stringContaining('alert') });
    const notPng = await post('metabase', {
      ...fixture('metabase-alert'),
      data: { ...fixture('metabase-alert').data, visualization: 'data:image/png;base64,SGVsbG8=' },
    });
    expect(notPng.status).toBe(400);
    expect(notPng.body.error.message).toMatch(/image 1/i);
    // the corrected delivery goes through: nothing of the refused ones was kept
    expect((await post('alertmanager', firing)).body).toMatchObject({ jobs: 1, duplicate: false });
    await waitFor(
      () => simulator.messages(robot.token),
      (items) => items.length === 1,
      { what: 'the corrected push' },
    );
  });

  it('lists the starters in both languages and creates each with one call', async () => {
    const starters = await api('GET', '/template-starters');
    expect(starters.body.items.map((starter: Payload) => starter.id)).toEqual([
      'daily-report',
      'kpi-card',
      'alert',
      'alertmanager',
      'grafana',
      'superset',
      'metabase',
    ]);
    for (const starter of starters.body.items) {
      expect(Object.keys(starter.templates)).toEqual(['zh-CN', 'en']);
      // every starter renders its own sample in both languages, within DingTalk's limits
      for (const language of ['zh-CN', 'en']) {
        const preview = await api('POST', '/template-previews', {
          body: { template: starter.templates[language], data: starter.samples[language] },
        });
        expect({ starter: starter.id, language, status: preview.status, warnings: preview.body.warnings }).toEqual({
          starter: starter.id,
          language,
          status: 200,
          warnings: [],
        });
      }
    }
    const named = `Metabase ${randomUUID()}`;
    const created = await api('POST', '/template-starters/metabase', { body: { name: named } });
    expect(created.body).toMatchObject({ name: named, msgType: 'markdown', title: '📈 {{reportName}}' });
    expect(created.body.text).toContain('Metabase 提醒已触发');
    expect((await api('POST', '/template-starters/metabase', { body: { name: named } })).status).toBe(409);
    expect((await api('POST', '/template-starters/zabbix')).status).toBe(404);
    expect((await api('POST', '/template-starters/grafana', { body: { language: 'fr' } })).body.error.details[0].path).toBe('/language');
  });
});
