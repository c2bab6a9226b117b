// A robot's pool: more robots of the same group, each with DingTalk's 20 a minute (here 20 per 2 s), sent
// through by the robot's one message group, so the group gets up to 20 × N a window, still in publish order.
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { allItems } from '../support/tableItems';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

// read by the service modules when they load (lazily, after this): a window long enough that publishing 60
// pushes one by one fits in it on a slow machine
process.env.DINGTALK_RATE_LIMIT = '20/10';

let templateId: string;
beforeAll(async () => {
  templateId = (await api('POST', '/templates', { body: { name: `Pool ${randomUUID()}`, msgType: 'text', text: '#{{data.n}}' } })).body.id;
});

const masked = (token: string) => `${process.env.SIMULATOR_URL}/robot/send?access_token=${token.slice(0, 4)}****`;

describe('pool settings', () => {
  it('takes up to 10 more webhooks with their own secrets, shows them masked, and replaces or removes them whole', async () => {
    const secret = 'SECpool0123456789abcdef0123456789';
    const [own, first, second] = await Promise.all([
      simulator.registerRobot(),
      simulator.registerRobot({ secret }),
      simulator.registerRobot(),
    ]);
    const created = await api('POST', '/robots', {
      body: {
        name: `Pool ${own.token}`,
        webhookUrl: own.webhookUrl,
        templateId,
        pool: [{ webhookUrl: first.webhookUrl, secret }, { webhookUrl: second.webhookUrl }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.pool).toEqual([
      { webhookUrl: masked(first.token), hasSecret: true },
      { webhookUrl: masked(second.token), hasSecret: false },
    ]);
    const stored = JSON.stringify(await allItems());
    for (const token of [first.token, second.token, secret.slice(3)]) {
      expect(created.raw).not.toContain(token);
      expect(stored).not.toContain(token);
    }

    const replaced = await api('PATCH', `/robots/${created.body.id}`, { body: { pool: [{ webhookUrl: second.webhookUrl }] } });
    expect(replaced.body.pool).toEqual([{ webhookUrl: masked(second.token), hasSecret: false }]);
    const removed = await api('PATCH', `/robots/${created.body.id}`, { body: { pool: [] } });
    expect(removed.status).toBe(200);
    expect(removed.body).not.toHaveProperty('pool');
  });

  it('names the pool entry that is wrong, and refuses a webhook given twice', async () => {
    const [own, first] = await Promise.all([simulator.registerRobot(), simulator.registerRobot()]);
    const body = (pool: unknown[]) => ({ body: { name: `Bad pool ${own.token}`, webhookUrl: own.webhookUrl, templateId, pool } });
    const foreign = await api(
      'POST',
      '/robots',
      body([{ webhookUrl: first.webhookUrl }, { webhookUrl: 'https://example.com/robot/send?access_token=x' }]),
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details).toEqual([expect.objectContaining({ path: '/pool/1/webhookUrl' })]);
    const twice = await api('POST', '/robots', body([{ webhookUrl: first.webhookUrl }, { webhookUrl: `${first.webhookUrl}&timestamp=1` }]));
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toBe('pool/1/webhookUrl is the same webhook as pool/0/webhookUrl');
    const ownAgain = await api('POST', '/robots', body([{ webhookUrl: own.webhookUrl }]));
    expect(ownAgain.body.error.message).toBe('pool/0/webhookUrl is the same webhook as webhookUrl');
    const eleven = await api('POST', '/robots', body(Array.from({ length: 11 }, (_, n) => ({ webhookUrl: `${first.webhookUrl}${n}` }))));
    expect(eleven.status).toBe(400);
    expect((await api('GET', `/robots?keyword=${encodeURIComponent(`Bad pool ${own.token}`)}`)).body.items).toEqual([]);
  });
});

it('a pool of 3 webhooks takes 60 pushes published within one window: all in publish order, zero 130101, each record naming its webhook', async () => {
  const worker = startWorker();
  try {
    const limit = { messages: 20, windowMs: 10_000 };
    const webhooks = await Promise.all([1, 2, 3].map(() => simulator.registerRobot({ rateLimit: limit })));
    const reportId = `pool-${randomUUID()}`;
    const robot = await api('POST', '/robots', {
      body: {
        name: `Pool of 3 ${reportId}`,
        webhookUrl: webhooks[0].webhookUrl,
        pool: webhooks.slice(1).map(({ webhookUrl }) => ({ webhookUrl })),
        templateId,
        reports: [reportId],
      },
    });
    expect(robot.status).toBe(201);
    const events: string[] = [];
    for (let n = 0; n < 60; n++) {
      const published = await api('POST', '/events/report-ready', {
        token: publisherToken,
        body: { eventId: randomUUID(), reportId, reportName: 'Pool', data: { n } },
      });
      events.push(published.body.eventId);
    }
    const records = await waitFor(
      () => api('GET', `/push-records?robotId=${robot.body.id}&limit=100`),
      (page) => page.body.items.length === 60 && page.body.items.every((item: { status: string }) => item.status === 'sent'),
      { timeoutMs: 60_000, intervalMs: 250, what: '60 pushes sent' },
    );
    const tokens = webhooks.map(({ token }) => token);
    const received = await simulator.messagesToAny(tokens);
    expect(received.map((message) => (message.body.text as { content: string }).content)).toEqual(events.map((_, n) => `#${n}`));
    for (const token of tokens) expect((await simulator.requests(token)).filter((request) => request.errcode === 130101)).toEqual([]);

    // each record names the webhook the group got it from, numbered as the robot lists them
    const shown = new Map(tokens.map((token, index) => [token, `#${index + 1} ${masked(token)}`]));
    const byEvent = new Map(records.body.items.map((item: { eventId: string; webhook: string }) => [item.eventId, item.webhook]));
    expect(events.map((eventId) => byEvent.get(eventId))).toEqual(received.map((message) => shown.get(message.token)));
    // all 60 went out within the first window: 20 through each webhook
    expect(tokens.map((token) => received.filter((message) => message.token === token).length)).toEqual([20, 20, 20]);
  } finally {
    await worker.stop();
  }
}, 90_000);
