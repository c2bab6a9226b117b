// DingTalk, WeCom and Feishu robots on the same path: one report event reaches each as its own channel's
// body, accepted by the simulator answering as that service (signature, keywords, sizes, the WeCom
// picture's md5), within each one's rate limit, and what a channel would refuse is refused before sending.
import { createHash, randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

// a 1x1 PNG
const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
let worker: ReturnType<typeof startWorker>;
beforeAll(() => {
  worker = startWorker();
});
afterAll(() => worker.stop());

async function template(fields: Record<string, unknown>): Promise<string> {
  const created = await api('POST', '/templates', { body: { name: `Channels ${randomUUID()}`, ...fields } });
  expect(created.status).toBe(201);
  return created.body.id;
}

type Channel = 'dingtalk' | 'wecom' | 'feishu';

async function robot(channel: Channel, templateId: string, reportId: string, settings: { secret?: string; keywords?: string[] } = {}) {
  const registered = await simulator.registerRobot({ channel, ...settings });
  const created = await api('POST', '/robots', {
    body: {
      name: `${channel} ${registered.token}`,
      ...(channel !== 'dingtalk' && { channel }),
      webhookUrl: registered.webhookUrl,
      templateId,
      reports: [reportId],
      ...settings,
    },
  });
  expect(created.status).toBe(201);
  expect(created.body.channel).toBe(channel);
  return { ...registered, id: created.body.id as string };
}

const publish = async (body: Record<string, unknown>) => {
  const published = await api('POST', '/events/report-ready', { token: publisherToken, body: { eventId: randomUUID(), ...body } });
  expect(published.status).toBe(202);
  return published.body.eventId as string;
};

async function settled(robotId: string, count: number) {
  const page = await waitFor(
    () => api('GET', `/push-records?robotId=${robotId}&limit=100`),
    (answer) => answer.body.items.length === count && answer.body.items.every((item: { status: string }) => item.status !== 'queued'),
    { timeoutMs: 40_000, what: `${count} settled pushes` },
  );
  return page.body.items as { id: string; status: string; errmsg?: string; errcode?: number; channel?: string }[];
}

describe('one report to a DingTalk, a WeCom and a Feishu robot', () => {
  it("reaches each as its channel's body: DingTalk signed, WeCom with the screenshot as an image message of the stored bytes, Feishu signed", async () => {
    const reportId = `channels-${randomUUID()}`;
    const templateId = await template({
      msgType: 'markdown',
      title: '{{reportName}}',
      text: '#### {{reportName}}\n**Total**: {{data.total}}\n\n![{{image.name}}]({{{image.url}}})',
    });
    const ding = await robot('dingtalk', templateId, reportId, { secret: 'SECchannels0123456789abcdef' });
    const wecom = await robot('wecom', templateId, reportId);
    const feishu = await robot('feishu', templateId, reportId, { secret: 'feishuSecret0123456789', keywords: ['Total'] });
    await publish({
      reportId,
      reportName: 'Daily sales',
      data: { total: 42 },
      images: [{ name: 'revenue.png', contentType: 'image/png', data: png }],
    });

    const [dingRecord] = await settled(ding.id, 1);
    const [wecomRecord] = await settled(wecom.id, 1);
    const [feishuRecord] = await settled(feishu.id, 1);
    expect([dingRecord, wecomRecord, feishuRecord].map((record) => [record.status, record.channel])).toEqual([
      ['sent', 'dingtalk'],
      ['sent', 'wecom'],
      ['sent', 'feishu'],
    ]);

    const [dingMessage] = await simulator.messages(ding.token);
    expect(dingMessage.body).toMatchObject({ msgtype: 'markdown', markdown: { title: 'Daily sales' } });
    expect((await api('GET', `/push-records/${dingRecord.id}`)).body.content).toEqual(dingMessage.body);

    // WeCom: its markdown (the picture as a link, which WeCom markdown cannot show), then the picture itself
    const wecomMessages = await simulator.messages(wecom.token);
    expect(wecomMessages.map((message) => message.body.msgtype)).toEqual(['markdown', 'image']);
    expect((wecomMessages[0].body.markdown as { content: string }).content).toMatch(
      /^#### Daily sales\n\*\*Total\*\*: 42\n\n\[revenue\.png\]\(http/,
    );
    const md5 = createHash('md5').update(Buffer.from(png, 'base64')).digest('hex');
    expect(wecomMessages[1].image).toEqual({ md5, bytes: Buffer.from(png, 'base64').length });
    const wecomDetail = (await api('GET', `/push-records/${wecomRecord.id}`)).body;
    expect(wecomDetail.content).toEqual(wecomMessages[0].body);
    expect(wecomDetail.picturesSent).toEqual([{ name: 'revenue.png', md5, bytes: Buffer.from(png, 'base64').length }]);
    expect(wecomDetail.attempts).toBe(2);

    // Feishu: a card, signed (the simulator checked the signature and its hour); the record keeps the body unsigned
    const [feishuMessage] = await simulator.messages(feishu.token);
    const { timestamp, sign, ...unsigned } = feishuMessage.body;
    expect(timestamp).toMatch(/^\d{10}$/);
    expect(typeof sign).toBe('string');
    expect(unsigned).toMatchObject({ msg_type: 'interactive', card: { header: { title: { content: 'Daily sales' } } } });
    expect((await api('GET', `/push-records/${feishuRecord.id}`)).body.content).toEqual(unsigned);

    // robots and records list by channel
    const wecomRobots = (await api('GET', '/robots?channel=wecom&limit=100')).body.items.map((item: { id: string }) => item.id);
    expect(wecomRobots).toContain(wecom.id);
    expect(wecomRobots).not.toContain(ding.id);
    const dingRobots = (await api('GET', '/robots?channel=dingtalk&limit=100')).body.items.map((item: { id: string }) => item.id);
    expect(dingRobots).toContain(ding.id);
    expect(dingRobots).not.toContain(feishu.id);
    const feishuRecords = (await api('GET', `/push-records?channel=feishu&robotId=${feishu.id}`)).body.items;
    expect(feishuRecords.map((item: { id: string }) => item.id)).toEqual([feishuRecord.id]);
    expect((await api('GET', `/push-records?channel=wecom&robotId=${feishu.id}`)).body.items).toEqual([]);
  });

  it("holds each channel's rate limit under a burst, in order, with zero rate-limit answers (WeCom 20 per window, Feishu 5 a second)", async () => {
    const reportId = `burst-${randomUUID()}`;
    const templateId = await template({ msgType: 'text', text: '#{{data.n}}' });
    const wecom = await robot('wecom', templateId, reportId);
    const feishu = await robot('feishu', templateId, reportId);
    const pushes = 25;
    for (let n = 0; n < pushes; n++) await publish({ reportId, reportName: 'Burst', data: { n } });
    for (const [target, read] of [
      [wecom, (body: Record<string, unknown>) => (body.text as { content: string }).content],
      [feishu, (body: Record<string, unknown>) => (body.content as { text: string }).text],
    ] as const) {
      const records = await settled(target.id, pushes);
      expect(records.every((record) => record.status === 'sent')).toBe(true);
      const messages = await simulator.messages(target.token);
      expect(messages.map((message) => read(message.body))).toEqual(Array.from({ length: pushes }, (_, n) => `#${n}`));
      const answers = (await simulator.requests(target.token)).map((request) => request.errcode);
      expect(answers.filter((code) => code !== 0)).toEqual([]);
    }
    // Feishu's 5 a second held: no second of arrivals has more
    const arrivals = (await simulator.messages(feishu.token)).map((message) => message.at);
    const busiest = Math.max(...arrivals.map((at) => arrivals.filter((other) => other >= at && other < at + 1000).length));
    expect(busiest).toBeLessThanOrEqual(5);
  }, 90_000);

  it("refuses before sending what the channel would refuse, naming the limit; and reads a Feishu error's code from an HTTP 400", async () => {
    const reportId = `refuse-${randomUUID()}`;
    const templateId = await template({ msgType: 'markdown', title: 'Big', text: '{{data.blob}}' });
    const wecom = await robot('wecom', templateId, reportId);
    const feishu = await robot('feishu', templateId, reportId, { keywords: ['KEY'] });
    await publish({ reportId, reportName: 'Big', data: { blob: 'x'.repeat(5000) } });
    const [tooBig] = await settled(wecom.id, 1);
    expect(tooBig).toMatchObject({
      status: 'failed',
      errmsg: expect.stringMatching(/5000 bytes; WeCom accepts at most 4096 \(errcode 40058\)/),
    });
    const [noKeyword] = await settled(feishu.id, 1);
    expect(noKeyword).toMatchObject({ status: 'failed', errmsg: expect.stringMatching(/none of the robot's keywords \(KEY\).*19024/) });
    expect(await simulator.requests(wecom.token)).toEqual([]);
    expect(await simulator.requests(feishu.token)).toEqual([]);

    // a Feishu bot whose secret is not the one given: Feishu answers 19021 with HTTP 400, final
    const signedReport = `signed-${randomUUID()}`;
    const registered = await simulator.registerRobot({ channel: 'feishu', secret: 'theRealSecret0123' });
    const wrong = await api('POST', '/robots', {
      body: {
        name: `wrong ${registered.token}`,
        channel: 'feishu',
        webhookUrl: registered.webhookUrl,
        secret: 'notTheSecret0123',
        templateId,
        reports: [signedReport],
      },
    });
    await publish({ reportId: signedReport, reportName: 'Big', data: { blob: 'small' } });
    const [refused] = await settled(wrong.body.id, 1);
    expect(refused).toMatchObject({ status: 'failed', errcode: 19021 });
    expect((await simulator.requests(registered.token)).map((request) => [request.httpStatus, request.errcode])).toEqual([[400, 19021]]);
  }, 60_000);

  it('previews a template as each channel would get it, with its size and warnings', async () => {
    const templateId = await template({
      msgType: 'markdown',
      title: '{{reportName}}',
      text: '#### {{reportName}}\n![shot]({{{image.url}}})',
    });
    const data = { reportName: 'Sales', images: [{ name: 'shot', url: 'https://bi.example/shot.png' }] };
    const wecom = (await api('POST', `/templates/${templateId}/preview`, { body: { data, channel: 'wecom' } })).body;
    expect(wecom).toMatchObject({
      channel: 'wecom',
      message: { msgtype: 'markdown', markdown: { content: '#### Sales\n[shot](https://bi.example/shot.png)' } },
    });
    expect(wecom.warnings.join('\n')).toMatch(/image message/);
    const feishu = (await api('POST', `/templates/${templateId}/preview`, { body: { data, channel: 'feishu' } })).body;
    expect(feishu).toMatchObject({ channel: 'feishu', message: { msg_type: 'interactive' }, bytes: expect.any(Number) });
    expect(feishu.warnings.join('\n')).toMatch(/cannot upload pictures/);
    expect((await api('POST', `/templates/${templateId}/preview`, { body: { data } })).body.channel).toBe('dingtalk');
  });
});

describe("a template's own message for one channel", () => {
  it("goes to that channel's robots in place of the template, shows in its preview, and leaves the other channels as they were", async () => {
    const reportId = `override-${randomUUID()}`;
    const templateId = await template({
      msgType: 'markdown',
      title: '{{reportName}}',
      text: '#### {{reportName}}\n**Total**: {{data.total}}',
      channels: { wecom: { msgType: 'text', text: 'WeCom: {{reportName}} {{data.total}}', title: 'dropped: text has no title' } },
    });
    const stored = (await api('GET', `/templates/${templateId}`)).body;
    // kept as its msgType needs, like the template itself
    expect(stored.channels).toEqual({ wecom: { msgType: 'text', text: 'WeCom: {{reportName}} {{data.total}}' } });
    const wecom = await robot('wecom', templateId, reportId);
    const feishu = await robot('feishu', templateId, reportId);
    await publish({ reportId, reportName: 'Daily', data: { total: 7 } });
    await settled(wecom.id, 1);
    await settled(feishu.id, 1);
    expect((await simulator.messages(wecom.token)).map((message) => message.body)).toEqual([
      { msgtype: 'text', text: { content: 'WeCom: Daily 7' } },
    ]);
    expect((await simulator.messages(feishu.token))[0].body).toMatchObject({ msg_type: 'interactive' });
    const preview = await api('POST', `/templates/${templateId}/preview`, {
      body: { data: { reportName: 'Daily', total: 7 }, channel: 'wecom' },
    });
    expect(preview.body.message).toEqual({ msgtype: 'text', text: { content: 'WeCom: Daily 7' } });
  });

  it.each([
    ['a message missing what its msgType needs', { wecom: { msgType: 'markdown', text: 'x' } }, /\/channels\/wecom\/title is required/],
    ['invalid Mustache', { feishu: { msgType: 'text', text: '{{#open}}' } }, /\/channels\/feishu\/text is not valid Mustache/],
    ['an unknown channel', { slack: { msgType: 'text', text: 'x' } }, /\/channels\/slack is not an allowed field/],
  ])('refuses %s with a 400 naming it', async (_label, channels, why) => {
    const answer = await api('POST', '/templates', { body: { name: `Override ${randomUUID()}`, msgType: 'text', text: 'x', channels } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(why);
  });
});

describe('bad channel input: a 400 naming the field, nothing stored', () => {
  it.each([
    ['an unknown channel', 'dingtalk', { channel: 'slack' }, /\/channel must be one of: dingtalk, wecom, feishu/],
    ['a secret for WeCom', 'wecom', { channel: 'wecom', secret: 'SECabcdefgh12345' }, /secret is not taken: WeCom robots have no signing/],
    [
      'a DingTalk URL for a Feishu robot',
      'dingtalk',
      { channel: 'feishu' },
      /webhookUrl must have the path \/open-apis\/bot\/v2\/hook\/<token>/,
    ],
    ['a DingTalk secret without SEC', 'dingtalk', { secret: 'abcdefgh12345' }, /secret must be the DingTalk signing secret/],
  ] as const)('refuses %s', async (_label, registeredOn, fields, why) => {
    const templateId = await template({ msgType: 'text', text: 'x' });
    const { webhookUrl } = await simulator.registerRobot({ channel: registeredOn });
    const name = `refused ${randomUUID()}`;
    const answer = await api('POST', '/robots', { body: { name, webhookUrl, templateId, ...fields } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(why);
    expect((await api('GET', `/robots?keyword=${encodeURIComponent(name)}`)).body.items).toEqual([]);
  });

  it("checks a pool's webhooks against the robot's channel, and shows them masked", async () => {
    const templateId = await template({ msgType: 'text', text: 'x' });
    const [own, extra] = await Promise.all([simulator.registerRobot({ channel: 'wecom' }), simulator.registerRobot({ channel: 'wecom' })]);
    const { webhookUrl: dingtalkUrl } = await simulator.registerRobot();
    const name = `wecom pool ${randomUUID()}`;
    const refused = await api('POST', '/robots', {
      body: { name, channel: 'wecom', webhookUrl: own.webhookUrl, templateId, pool: [{ webhookUrl: dingtalkUrl }] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: '/pool/0/webhookUrl', message: 'must have the path /cgi-bin/webhook/send' }]);
    const created = await api('POST', '/robots', {
      body: { name, channel: 'wecom', webhookUrl: own.webhookUrl, templateId, pool: [{ webhookUrl: extra.webhookUrl }] },
    });
    expect(created.status).toBe(201);
    expect(created.body.pool).toEqual([
      { webhookUrl: `${process.env.SIMULATOR_URL}/cgi-bin/webhook/send?key=${extra.token.slice(0, 4)}****`, hasSecret: false },
    ]);
  });

  it("refuses a change of a robot's channel: its webhook belongs to one service", async () => {
    const templateId = await template({ msgType: 'text', text: 'x' });
    const created = await robot('wecom', templateId, `fixed-${randomUUID()}`);
    const answer = await api('PATCH', `/robots/${created.id}`, { body: { channel: 'dingtalk' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/channel/);
    expect((await api('GET', `/robots/${created.id}`)).body.channel).toBe('wecom');
  });
});
