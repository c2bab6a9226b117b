// Busy groups (#30), against the simulator enforcing 20 messages per 2 s per webhook (DingTalk's 20 a
// minute, scaled), in one run:
// - a storm: 100 pushes to one robot, with digests off (DingTalk's own ideal for single messages) and on;
// - a pool of 3 webhooks taking 60 pushes;
// - an outage of 10 windows with 100 pushes waiting, digests on: how soon after recovery the backlog is in.
// Each prints when the group had every push against the windows it took, its messages, 130101s and order.
import { instanceAdmin } from '../test/support/callers';
import { machine, printTable, round, writeResult } from './support';
import { startPipeline } from './pipeline';

const limit = { messages: 20, windowMs: 2000 };
const stormPushes = Number(process.env.BENCH_STORM_PUSHES ?? 100);
const poolPushes = Number(process.env.BENCH_POOL_PUSHES ?? 60);
const outageWindows = Number(process.env.BENCH_OUTAGE_WINDOWS ?? 10);
const warmupPushes = Number(process.env.BENCH_WARMUP_PUSHES ?? 200);

interface Arrival {
  token: string;
  at: number;
  body: { msgtype: string; text?: { content: string }; markdown?: { text: string } };
}

/** The pushes a message shows: its own, or one per line of a digest. */
const pushesIn = (arrival: Arrival) =>
  arrival.body.msgtype === 'text'
    ? [arrival.body.text?.content ?? '']
    : (arrival.body.markdown?.text ?? '').split('\n').flatMap((line) => (line.startsWith('- ') ? [line.slice(2)] : []));

export async function busyGroupsBenchmark(): Promise<void> {
  const pipeline = await startPipeline({
    simulatorRateLimit: `${limit.messages}/${limit.windowMs / 1000}`,
    environment: {
      DINGTALK_RATE_LIMIT: `${limit.messages}/${limit.windowMs / 1000}`,
      DINGTALK_RATE_MARGIN_MS: String(limit.windowMs * 0.05),
      // the first retry scaled with the window (5 s against DingTalk's 60 s by default); the cap as deployed
      PUSH_RETRY_BASE_SECONDS: '1',
    },
  });
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${pipeline.simulatorUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator ${path}: ${response.status}`);
    return response.json() as Promise<{ items: Arrival[] } & Record<string, unknown>>;
  };
  const workers = pipeline.startWorkers(4);
  try {
    const template = await pipeline.service.templates.createTemplate(instanceAdmin(), {
      name: 'Busy groups',
      msgType: 'text',
      text: 'Push {{data.n}}',
    } as never);
    let robots = 0;
    const robotWith = async (webhooks: number, settings: Record<string, unknown>) => {
      const name = `busy${robots++}`;
      const tokens = Array.from({ length: webhooks }, (_, index) => `bench${name}w${index}x0123456789`);
      for (const token of tokens) await control('POST', '/_sim/robots', { token, rateLimit: limit });
      const url = (token: string) => `${pipeline.simulatorUrl}/robot/send?access_token=${token}`;
      await pipeline.service.robots.createRobot(instanceAdmin(), {
        name,
        webhookUrl: url(tokens[0]),
        ...(webhooks > 1 && { pool: tokens.slice(1).map((token) => ({ webhookUrl: url(token) })) }),
        templateId: template.id,
        reports: [name],
        ...settings,
      } as never);
      return { name, tokens };
    };
    /** Publishes one by one, so publish order is defined; answers when the first and the last were accepted. */
    const publish = async (reportId: string, count: number) => {
      const first = Date.now();
      for (let n = 0; n < count; n++)
        await pipeline.service.intake.publishReportReady('default', {
          eventId: `${reportId}-${n}`,
          reportId,
          reportName: 'Busy',
          data: { n },
        } as never);
      return { first, last: Date.now() };
    };
    /** Waits until the robot's group shows `count` pushes; what it received, in arrival order. */
    const shownIn = async (tokens: string[], count: number) => {
      const deadline = Date.now() + 180_000;
      for (;;) {
        const arrivals = (await control('GET', '/_sim/messages')).items.filter((arrival) => tokens.includes(arrival.token));
        if (arrivals.flatMap(pushesIn).length >= count) return arrivals;
        if (Date.now() > deadline) throw new Error(`the group showed ${arrivals.flatMap(pushesIn).length} of ${count} pushes in 180 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const throttled = async (tokens: string[]) => {
      let count = 0;
      for (const token of tokens)
        count += ((await control('GET', `/_sim/requests?access_token=${token}`)).items as unknown as { errcode: number | null }[]).filter(
          (request) => request.errcode === 130101,
        ).length;
      return count;
    };
    const windows = (ms: number) => round(ms / limit.windowMs, 2);
    const described = async (
      label: string,
      tokens: string[],
      count: number,
      published: { first: number; last: number },
      from = published.last,
    ) => {
      const arrivals = await shownIn(tokens, count);
      const lastAt = Math.max(...arrivals.map((arrival) => arrival.at));
      const shown = arrivals.flatMap(pushesIn);
      return {
        case: label,
        'publish ms': published.last - published.first,
        messages: arrivals.length,
        digests: arrivals.filter((arrival) => arrival.body.msgtype === 'markdown').length,
        'last in, windows after the first publish': windows(lastAt - published.first),
        'windows after the last publish (or recovery)': windows(lastAt - from),
        'in order': shown.join('\n') === Array.from({ length: count }, (_, n) => `Push ${n}`).join('\n') ? 'yes' : 'no',
        'errcode 130101': await throttled(tokens),
      };
    };

    // DynamoDB Local (a JVM) serves its first thousands of requests slowly: warm it up, so the storms publish fast
    const warmup = await robotWith(1, {});
    await publish(warmup.name, warmupPushes);
    await shownIn(warmup.tokens, Math.min(warmupPushes, limit.messages));

    // DingTalk's own ideal for single messages: 20 per window, the last leaves (N/20 - 1) windows after the first
    const singleIdeal = Math.ceil(stormPushes / limit.messages) - 1;
    const single = await robotWith(1, {});
    const singlePublished = await publish(single.name, stormPushes);
    const singleRow = await described(`storm: ${stormPushes} pushes, single messages`, single.tokens, stormPushes, singlePublished);
    const merged = await robotWith(1, { digest: { enabled: true } });
    const mergedPublished = await publish(merged.name, stormPushes);
    const mergedRow = await described(`storm: ${stormPushes} pushes, digests on`, merged.tokens, stormPushes, mergedPublished);

    const pool = await robotWith(3, {});
    const poolPublished = await publish(pool.name, poolPushes);
    const poolRow = await described(`pool of 3: ${poolPushes} pushes`, pool.tokens, poolPushes, poolPublished);
    const perWebhook = await Promise.all(
      pool.tokens.map(async (token) => (await control('GET', `/_sim/messages?access_token=${token}`)).items.length),
    );

    const outage = await robotWith(1, { digest: { enabled: true } });
    await control('POST', `/_sim/faults?access_token=${outage.tokens[0]}`, { rates: { http5xx: 1 } });
    const outagePublished = await publish(outage.name, stormPushes);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outagePublished.first + outageWindows * limit.windowMs - Date.now())));
    await control('POST', `/_sim/faults?access_token=${outage.tokens[0]}`, { rates: {} });
    const recovered = Date.now();
    const outageRow = await described(
      `outage of ${outageWindows} windows, ${stormPushes} waiting, digests on`,
      outage.tokens,
      stormPushes,
      outagePublished,
      recovered,
    );

    const rows = [
      { ...singleRow, target: `DingTalk's ideal: ${singleIdeal} windows after the first publish` },
      { ...mergedRow, target: '≤ 2 windows after the last publish, zero 130101' },
      { ...poolRow, target: `≤ 1 window (20 × 3 fit one), zero 130101; per webhook ${perWebhook.join(' / ')}` },
      { ...outageRow, target: '≤ 2 windows after recovery (counted from recovery)' },
    ];
    printTable(`Busy groups (simulator: ${limit.messages} per ${limit.windowMs / 1000} s per webhook)`, rows);
    writeResult('busy-groups', {
      machine: machine(),
      limit,
      stormPushes,
      poolPushes,
      outageWindows,
      singleIdealWindows: singleIdeal,
      perWebhook,
      rows,
    });
  } finally {
    await workers.stop();
    await pipeline.stop();
  }
}
