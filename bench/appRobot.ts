// Benchmark 10: time to the group through DingTalk's app robot against a webhook robot, at 30 pushes a
// second each, in one run of `npm start` (the same simulator process answers both, with no rate limit, so
// this measures the pipeline: the app robot's token, its OpenAPI call). Also what an app costs DingTalk:
// access-token fetches per 1,000 pushes (one token is shared by every worker for about two hours).
import { startLocalService } from '../test/support/localService';
import { simulatorAt } from '../test/support/simulator';
import { sleep } from '../lib/concurrency';
import { machine, percentile, printTable, round, writeResult } from './support';

const ratePerSecond = Number(process.env.APP_BENCH_RATE ?? 30);
const seconds = Number(process.env.APP_BENCH_SECONDS ?? 30);
const robots = 30;
/** An app robot's extra work (its token read, the header) should cost little next to the queue and the worker. */
const targetRatio = 1.5;

/** What the simulator's control routes answer, as far as this benchmark reads them. */
interface SimulatorAnswer {
  items: { at: number; msgParam: Record<string, string>; body?: { text?: { content?: string } } }[];
  accessToken?: number;
}

export async function appRobotBenchmark(): Promise<void> {
  const service = await startLocalService({
    LOG_LEVEL: 'warn',
    DATA_DIR: 'memory',
    DINGTALK_RATE_LIMIT: '100000/60',
    DINGTALK_APP_RATE_LIMIT: '100000/60',
  });
  const call = async (method: string, path: string, body?: unknown, token = service.adminToken) => {
    const response = await fetch(`${service.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as { id: string };
  };
  const control = (method: string, path: string, body?: unknown) =>
    simulatorAt(() => service.simulatorUrl).control<SimulatorAnswer>(method, path, body);
  try {
    const template = await call('POST', '/templates', { name: 'Bench', msgType: 'text', text: '{{reportName}} {{data.n}}' });
    const groups = Object.fromEntries(Array.from({ length: robots }, (_, i) => [`cidBench${i}`, `Bench ${i}`]));
    await control('POST', '/_sim/apps', { appKey: 'dingbench', appSecret: 'secret', groups, rateLimit: null });
    const app = await call('POST', '/dingtalk-apps', { name: 'Bench', appKey: 'dingbench', appSecret: 'secret' });
    const robotIds = { app: [] as string[], webhook: [] as string[] };
    for (let i = 0; i < robots; i++) {
      const appRobot = await call('POST', '/robots', {
        name: `App ${i}`,
        channel: 'dingtalk-app',
        app: { appId: app.id, openConversationId: `cidBench${i}` },
        templateId: template.id,
        reports: ['none'],
      });
      robotIds.app.push(appRobot.id);
      await control('POST', '/_sim/robots', { token: `benchhook${i}`, rateLimit: null });
      const hook = await call('POST', '/robots', {
        name: `Webhook ${i}`,
        webhookUrl: `${service.simulatorUrl}/robot/send?access_token=benchhook${i}`,
        templateId: template.id,
        reports: ['none'],
      });
      robotIds.webhook.push(hook.id);
    }
    const publishAt = async (kind: 'app' | 'webhook', total: number, reportName: string = kind) => {
      const startedAt: number[] = [];
      const started = Date.now();
      const sends: Promise<unknown>[] = [];
      for (let n = 0; n < total; n++) {
        const due = started + (n * 1000) / ratePerSecond;
        if (due > Date.now()) await sleep(due - Date.now());
        startedAt.push(Date.now());
        sends.push(
          call(
            'POST',
            '/events/report-ready',
            { eventId: `${reportName}-${kind}-${n}`, reportId: 'bench', reportName, data: { n }, robotIds: [robotIds[kind][n % robots]] },
            service.publisherToken,
          ),
        );
      }
      await Promise.all(sends);
      return startedAt;
    };
    const arrivals = async (kind: 'app' | 'webhook', total: number) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const at = new Map<number, number>();
        if (kind === 'app') {
          for (const message of (await control('GET', '/_sim/apps/messages?appKey=dingbench')).items) {
            const match = /^app (\d+)$/.exec(message.msgParam.content ?? '');
            if (match) at.set(Number(match[1]), message.at);
          }
        } else {
          for (const message of (await control('GET', '/_sim/messages')).items) {
            const match = /^webhook (\d+)$/.exec(message.body?.text?.content ?? '');
            if (match) at.set(Number(match[1]), message.at);
          }
        }
        if (at.size >= total || Date.now() > deadline) return at;
        await sleep(500);
      }
    };
    const total = ratePerSecond * seconds;
    const results: Record<string, { p50: number; p99: number; delivered: number }> = {};
    // warm both paths (bundles loaded, connections open, the app's token fetched) before measuring
    await publishAt('webhook', ratePerSecond * 2, 'warm');
    await publishAt('app', ratePerSecond * 2, 'warm');
    await sleep(5000);
    for (const kind of ['webhook', 'app'] as const) {
      const startedAt = await publishAt(kind, total);
      const at = await arrivals(kind, total);
      const latencies = startedAt.flatMap((start, n) => (at.has(n) ? [at.get(n)! - start] : []));
      results[kind] = { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), delivered: latencies.length };
    }
    const fetches = (await control('GET', '/_sim/apps/calls?appKey=dingbench')).accessToken ?? 0;
    const perThousand = round((fetches / results.app.delivered) * 1000, 2);
    const ratio = { p50: round(results.app.p50 / results.webhook.p50, 2), p99: round(results.app.p99 / results.webhook.p99, 2) };
    printTable(
      `time to the group at ${ratePerSecond} pushes/s for ${seconds} s each (app against webhook: p50 ${ratio.p50}x, p99 ${ratio.p99}x)`,
      [
        { robot: 'webhook (baseline)', delivered: results.webhook.delivered, 'p50 ms': results.webhook.p50, 'p99 ms': results.webhook.p99 },
        { robot: 'DingTalk app robot', delivered: results.app.delivered, 'p50 ms': results.app.p50, 'p99 ms': results.app.p99 },
      ],
    );
    console.log(`access-token fetches: ${fetches} for ${results.app.delivered} pushes (${perThousand} per 1,000)`);
    const met = results.app.delivered === total && ratio.p50 <= targetRatio && fetches <= 1;
    console.log(`target: all delivered, app p50 ≤ ${targetRatio}x the webhook's, one token fetch: ${met ? 'met' : 'NOT met'}`);
    writeResult('app-robot', {
      machine: machine(),
      ratePerSecond,
      seconds,
      results,
      ratio,
      tokenFetches: fetches,
      tokenFetchesPer1000: perThousand,
      met,
    });
    if (!met) process.exitCode = 1;
  } finally {
    await service.stop();
  }
}
