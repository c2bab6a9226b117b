// A real client: Debian's Prometheus Alertmanager (0.25) on loopback, its webhook receiver pointed at
// `npm start` exactly as docs/tools.md configures it. An alert posted to Alertmanager's own API reaches the
// simulator through dingpush as a firing and then a resolved message, each with its push record.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, freePort } from '../../scripts/local-stack';
import { startLocalService, type LocalService } from '../support/localService';
import { waitFor } from '../support/waitFor';

const alertmanagerBinary = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
let service: LocalService;
let alertmanager: ChildProcess | undefined;
let alertmanagerUrl: string;
let alertmanagerOutput = '';
const workDir = mkdtempSync(join(tmpdir(), 'dingpush-alertmanager-'));

/** The receiver from docs/tools.md's Alertmanager section, with fast timings so the test takes seconds. */
function alertmanagerConfig(dingpushUrl: string, token: string): string {
  return `route:
  receiver: dingpush
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: dingpush
    webhook_configs:
      - url: ${dingpushUrl}/events/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${token}
`;
}

beforeAll(async () => {
  if (!existsSync(alertmanagerBinary)) {
    throw new Error(
      `This test runs the real Alertmanager: ${alertmanagerBinary} is missing. Install Debian's prometheus-alertmanager (.ci/run does), or set ALERTMANAGER_BIN.`,
    );
  }
  service = await startLocalService();
  const port = await freePort();
  alertmanagerUrl = `http://127.0.0.1:${port}`;
  writeFileSync(join(workDir, 'alertmanager.yml'), alertmanagerConfig(service.apiUrl, service.publisherToken));
  alertmanager = spawn(
    alertmanagerBinary,
    [
      `--config.file=${join(workDir, 'alertmanager.yml')}`,
      `--storage.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  alertmanager.stdout?.on('data', (chunk) => (alertmanagerOutput += chunk));
  alertmanager.stderr?.on('data', (chunk) => (alertmanagerOutput += chunk));
  await waitFor(
    async () => (await fetch(`${alertmanagerUrl}/-/ready`).catch(() => undefined))?.status,
    (status) => status === 200,
    { timeoutMs: 30_000, what: `Alertmanager ready (${alertmanagerOutput.slice(-500)})` },
  );
}, 240_000);

afterAll(async () => {
  if (alertmanager && alertmanager.exitCode === null) {
    alertmanager.kill('SIGTERM');
    await exitWithin(alertmanager, 5000).catch(() => alertmanager?.kill('SIGKILL'));
  }
  await service?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function postAlert(alert: Record<string, unknown>) {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([alert]),
  });
  expect(response.status).toBe(200);
}

describe('Prometheus Alertmanager through dingpush', () => {
  it('delivers the firing and then the resolved notification to the group, each with its push record', async () => {
    const template = await service.call('POST', '/template-starters/alertmanager', { language: 'zh-CN' });
    expect(template.status).toBe(201);
    const token = 'alertmanagere2e0123456789';
    const robot = await service.call('POST', '/robots', {
      name: 'On-call group',
      webhookUrl: `${service.simulatorUrl}/robot/send?access_token=${token}`,
      templateId: template.body.id,
      reports: ['alertmanager:dingpush'],
    });
    expect(robot.status).toBe(201);
    const messages = () =>
      waitFor(
        async () =>
          ((await (await fetch(`${service.simulatorUrl}/_sim/messages?access_token=${token}`)).json()) as { items: { body: any }[] }).items,
        () => true,
      );

    const alert = {
      labels: { alertname: 'OrdersPipelineStalled', severity: 'page', instance: 'etl-1' },
      annotations: { summary: 'No orders loaded for 15 minutes', atMobiles: '13800000001' },
      startsAt: new Date().toISOString(),
      generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=orders_loaded',
    };
    await postAlert(alert);
    const [firing] = await waitFor(messages, (items) => items.length >= 1, {
      timeoutMs: 60_000,
      what: `the firing message (Alertmanager: ${alertmanagerOutput.slice(-500)})`,
    });
    expect(firing.body.markdown.title).toBe('【告警】[FIRING:1] OrdersPipelineStalled');
    expect(firing.body.markdown.text).toContain('> No orders loaded for 15 minutes');
    expect(firing.body.markdown.text).toContain('- instance：etl-1');
    expect(firing.body.at.atMobiles).toEqual(['13800000001']);

    // an alert whose endsAt has passed is resolved; send_resolved tells the receiver
    await postAlert({ ...alert, endsAt: new Date().toISOString() });
    const delivered = await waitFor(messages, (items) => items.length >= 2, { timeoutMs: 60_000, what: 'the resolved message' });
    expect(delivered[1].body.markdown.title).toBe('【已恢复】[RESOLVED] OrdersPipelineStalled');
    expect(delivered[1].body.markdown.text).toContain('恢复时间：');

    const records = await waitFor(
      async () =>
        (await service.call('GET', `/push-records?robotId=${robot.body.id}`)).body.items as {
          eventId: string;
          reportId: string;
          status: string;
        }[],
      // each record is written once its answer is in, a moment after the group has the message
      (items) => items.length === 2 && items.every((item) => item.status === 'sent'),
    );
    expect(records).toHaveLength(2);
    expect(records.map((record) => record.reportId)).toEqual(['alertmanager:dingpush', 'alertmanager:dingpush']);
    expect(records.every((record) => record.eventId.startsWith('alertmanager:'))).toBe(true);
    const resolvedRecord = await service.call('GET', `/push-records/${(records[0] as unknown as { id: string }).id}`);
    expect(resolvedRecord.body.content).toEqual(delivered[1].body);
    // a resolved group is not sent again (repeat_interval is an hour): exactly the two messages
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await messages()).toHaveLength(2);
  });

  it("delivers the notification to a WeCom robot as WeCom's markdown, with its record", async () => {
    const template = await service.call('POST', '/template-starters/alertmanager', { language: 'en', name: 'Alertmanager for WeCom' });
    expect(template.status).toBe(201);
    const key = 'alertmanager-wecom-0123456789';
    const robot = await service.call('POST', '/robots', {
      name: 'WeCom on-call group',
      channel: 'wecom',
      webhookUrl: `${service.simulatorUrl}/cgi-bin/webhook/send?key=${key}`,
      templateId: template.body.id,
      reports: ['alertmanager:dingpush'],
    });
    expect(robot.status).toBe(201);
    expect(robot.body.webhookUrl).toBe(`${service.simulatorUrl}/cgi-bin/webhook/send?key=aler****`);
    await postAlert({
      labels: { alertname: 'WarehouseLoadFailed', severity: 'warning', instance: 'etl-2' },
      annotations: { summary: 'The nightly load failed' },
      startsAt: new Date().toISOString(),
    });
    const [message] = await waitFor(
      async () =>
        ((await (await fetch(`${service.simulatorUrl}/_sim/messages?access_token=${key}`)).json()) as { items: { body: any }[] }).items,
      (items) => items.length >= 1,
      { timeoutMs: 60_000, what: `the WeCom message (Alertmanager: ${alertmanagerOutput.slice(-500)})` },
    );
    expect(message.body.msgtype).toBe('markdown');
    expect(message.body.markdown.content).toContain('WarehouseLoadFailed');
    expect(message.body.markdown.content).toContain('> The nightly load failed');
    const [record] = await waitFor(
      async () => (await service.call('GET', `/push-records?robotId=${robot.body.id}`)).body.items as { id: string; status: string }[],
      (items) => items.length === 1 && items[0].status === 'sent',
    );
    const detail = await service.call('GET', `/push-records/${record.id}`);
    expect(detail.body).toMatchObject({ channel: 'wecom', content: message.body });
  });
});
