// Robots on DingTalk's app robot (channel dingtalk-app), against the strict simulator of the OpenAPI:
// pushes arrive in order with the right msgKey on one shared access token, an expired token is replaced
// and the push still arrives, the QPS-limit 403 is waited out, and what an app robot cannot send is
// refused before sending.
import { randomUUID } from 'node:crypto';
import { containerCaches } from '../../lib/containerCache';
import { api } from '../support/api';
import { simulator } from '../support/simulator';
import { publisherToken } from '../support/environment';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';
import { chartPng } from '../support/chartPng';

const simulatorUrl = () => process.env.SIMULATOR_URL as string;
const control = simulator.control;
const appKey = `ding${randomUUID().slice(0, 10)}`;
const groups = { cidSales: 'Sales', cidOps: 'Ops' };
let appId: string;
let templateId: string;
let worker: ReturnType<typeof startWorker>;

beforeAll(async () => {
  await control('POST', '/_sim/apps', { appKey, appSecret: 'app-secret', groups });
  appId = (await api('POST', '/dingtalk-apps', { body: { name: 'Reports', appKey, appSecret: 'app-secret' } })).body.id;
  templateId = (
    await api('POST', '/templates', {
      body: { name: `App ${randomUUID()}`, msgType: 'markdown', title: '{{reportName}}', text: '#{{data.n}} {{reportName}}' },
    })
  ).body.id;
  worker = startWorker();
});
afterAll(() => worker.stop());

async function appRobot(openConversationId: string, extra: Record<string, unknown> = {}) {
  const reportId = `app-${randomUUID().slice(0, 8)}`;
  const made = await api('POST', '/robots', {
    body: {
      name: `App robot ${randomUUID().slice(0, 6)}`,
      channel: 'dingtalk-app',
      app: { appId, openConversationId },
      templateId,
      reports: [reportId],
      ...extra,
    },
  });
  if (made.status !== 201) throw new Error(`POST /robots: ${made.status} ${made.raw}`);
  return { robot: made.body, reportId };
}

const publish = (reportId: string, n: number) =>
  api('POST', '/events/report-ready', {
    token: publisherToken,
    body: { eventId: randomUUID(), reportId, reportName: 'Daily', data: { n } },
  });

const groupMessages = async (openConversationId: string) =>
  (await control('GET', `/_sim/apps/messages?appKey=${appKey}&openConversationId=${openConversationId}`)).items as {
    msgKey: string;
    msgParam: Record<string, string>;
  }[];

it('takes app: {appId, openConversationId} instead of a webhook, and refuses what an app robot cannot have, naming it', async () => {
  const base = { name: 'x', channel: 'dingtalk-app', templateId };
  const refused = async (body: Record<string, unknown>) =>
    (await api('POST', '/robots', { body: { ...base, ...body } })).body.error.details;
  expect(await refused({ app: { appId, openConversationId: 'cidSales' }, mention: { isAtAll: true } })).toEqual([
    { path: '/mention', message: expect.stringContaining('cannot @-mention') },
  ]);
  expect(
    await refused({ app: { appId, openConversationId: 'cidSales' }, webhookUrl: `${simulatorUrl()}/robot/send?access_token=abc` }),
  ).toEqual([{ path: '/webhookUrl', message: expect.any(String) }]);
  expect(await refused({})).toEqual([{ path: '/app', message: 'is required' }]);
  expect(await refused({ app: { appId: 'no-such-app', openConversationId: 'cidSales' } })).toEqual([
    { path: '/app/appId', message: 'does not name a DingTalk app of this workspace' },
  ]);
  expect((await api('POST', '/robots', { body: { name: 'y', templateId } })).body.error.details).toEqual([
    { path: '/webhookUrl', message: 'is required' },
  ]);

  // an app a robot sends through cannot be deleted; deleting the robot frees it
  const { robot } = await appRobot('cidSales');
  const inUse = await api('DELETE', `/dingtalk-apps/${appId}`);
  expect(inUse.status).toBe(409);
  expect(inUse.body.error.message).toMatch(/sends for \d+ robot/);
  expect((await api('DELETE', `/robots/${robot.id}`)).status).toBe(204);
});

it('delivers 5 pushes in order as sampleMarkdown on one access token, each record keeping its processQueryKey', async () => {
  const before = (await control('GET', `/_sim/apps/calls?appKey=${appKey}`)).accessToken ?? 0;
  const { robot, reportId } = await appRobot('cidSales');
  expect(robot).toMatchObject({ channel: 'dingtalk-app', app: { appId, openConversationId: 'cidSales' } });
  expect(robot.webhookUrl).toBeUndefined();
  for (let n = 1; n <= 5; n++) expect((await publish(reportId, n)).status).toBe(202);
  const messages = await waitFor(
    () => groupMessages('cidSales'),
    (items) => items.length >= 5,
    { what: 'five pushes in the group' },
  );
  expect(messages.map((message) => message.msgKey)).toEqual(Array(5).fill('sampleMarkdown'));
  expect(messages.map((message) => message.msgParam.text)).toEqual([1, 2, 3, 4, 5].map((n) => `#${n} Daily`));
  const records = await waitFor(
    () => api('GET', `/push-records?robotId=${robot.id}&limit=10`).then((answer) => answer.body.items as { status: string; id: string }[]),
    (items) => items.length === 5 && items.every((record) => record.status === 'sent'),
    { what: 'five sent records' },
  );
  const detail = (await api('GET', `/push-records/${records[0].id}`)).body;
  expect(detail.response).toEqual({ processQueryKey: expect.any(String) });
  expect(detail.messageKeys).toEqual([detail.response.processQueryKey]);
  expect(detail.content).toEqual({ msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'Daily', text: '#5 Daily' }) });
  // one token for all five (a worker batch, and the table for the next)
  expect((await control('GET', `/_sim/apps/calls?appKey=${appKey}`)).accessToken - before).toBe(1);
});

it('replaces a token DingTalk expired mid-run: the next push still arrives', async () => {
  const { reportId } = await appRobot('cidOps');
  await publish(reportId, 1);
  await waitFor(
    () => groupMessages('cidOps'),
    (items) => items.length === 1,
    { what: 'the first push' },
  );
  await control('POST', '/_sim/apps/expire-tokens', { appKey });
  await publish(reportId, 2);
  const messages = await waitFor(
    () => groupMessages('cidOps'),
    (items) => items.length === 2,
    { what: 'the push after the expiry' },
  );
  expect(messages[1].msgParam.text).toBe('#2 Daily');
});

it('waits out three QPS-limit answers, then sends', async () => {
  const group = `cid${randomUUID().slice(0, 6)}`;
  await control('POST', '/_sim/apps', { appKey, appSecret: 'app-secret', groups: { ...groups, [group]: 'Busy' } });
  const { robot, reportId } = await appRobot(group);
  await control('POST', '/_sim/apps/faults', { appKey, next: ['qpsLimit', 'qpsLimit', 'qpsLimit'] });
  await publish(reportId, 7);
  await waitFor(
    () => groupMessages(group),
    (items) => items.length === 1,
    { what: 'the push after the QPS limit', timeoutMs: 30_000 },
  );
  const [record] = (await api('GET', `/push-records?robotId=${robot.id}`)).body.items;
  const detail = (await api('GET', `/push-records/${record.id}`)).body;
  expect(detail.status).toBe('sent');
  expect(detail.attemptLog.filter((entry: { errmsg: string }) => /QpsLimit/.test(entry.errmsg))).toHaveLength(3);
});

it('refuses a feed card before sending, saying why', async () => {
  const feed = (
    await api('POST', '/templates', {
      body: {
        name: `Feed ${randomUUID()}`,
        msgType: 'feedCard',
        links: [{ title: 'Q3', messageUrl: 'https://bi.example.com/q3', picUrl: 'https://bi.example.com/q3.png' }],
      },
    })
  ).body;
  const { robot, reportId } = await appRobot('cidSales', { templateId: feed.id });
  await publish(reportId, 1);
  const [record] = await waitFor(
    () => api('GET', `/push-records?robotId=${robot.id}`).then((answer) => answer.body.items),
    (items) => items.length === 1 && items[0].status === 'failed',
    { what: 'the refused feed card' },
  );
  expect(record.errmsg).toMatch(/cannot send a feedCard/);
});

it('uploads a screenshot once per app, and sends it after the message as sampleImageMsg by media_id: no public URL', async () => {
  const reportId = `pictures-${randomUUID().slice(0, 6)}`;
  const made: { id: string }[] = [];
  for (const group of ['cidSales', 'cidOps'])
    made.push(
      (
        await api('POST', '/robots', {
          body: {
            name: `Pictures ${group} ${randomUUID().slice(0, 4)}`,
            channel: 'dingtalk-app',
            app: { appId, openConversationId: group },
            templateId,
            reports: [reportId],
          },
        })
      ).body,
    );
  const uploadsBefore = (await control('GET', `/_sim/apps/calls?appKey=${appKey}`)).upload ?? 0;
  const seen = { cidSales: (await groupMessages('cidSales')).length, cidOps: (await groupMessages('cidOps')).length };
  const image = { name: 'revenue.png', contentType: 'image/png', data: chartPng([3, 5, 4, 8]).toString('base64') };
  const published = await api('POST', '/events/report-ready', {
    token: publisherToken,
    body: { eventId: randomUUID(), reportId, reportName: 'Daily', data: { n: 9 }, images: [image] },
  });
  expect(published.status).toBe(202);
  for (const group of ['cidSales', 'cidOps'] as const) {
    const messages = await waitFor(
      () => groupMessages(group),
      (items) => items.length >= seen[group] + 2,
      { what: `message and picture in ${group}` },
    );
    const [message, picture] = messages.slice(seen[group]);
    expect(message.msgKey).toBe('sampleMarkdown');
    expect(picture.msgKey).toBe('sampleImageMsg');
    expect(picture.msgParam.photoURL).toMatch(/^@lADP/);
  }
  // one upload for both groups: the media_id is the app's, kept with the image
  expect((await control('GET', `/_sim/apps/calls?appKey=${appKey}`)).upload - uploadsBefore).toBe(1);
  for (const robot of made) {
    const [record] = (await api('GET', `/push-records?robotId=${robot.id}`)).body.items;
    const detail = (await api('GET', `/push-records/${record.id}`)).body;
    expect(detail).toMatchObject({ status: 'sent', picturesSent: [{ name: 'revenue.png', bytes: expect.any(Number) }] });
    expect(detail.messageKeys).toHaveLength(2);
  }
});

describe('recall and reads', () => {
  const webhookRobot = async (reportId: string) => {
    const { webhookUrl } = await (await import('../support/simulator')).simulator.registerRobot();
    return (
      await api('POST', '/robots', { body: { name: `Webhook ${randomUUID().slice(0, 6)}`, webhookUrl, templateId, reports: [reportId] } })
    ).body;
  };
  const sentRecords = (eventId: string, count: number) =>
    waitFor(
      () =>
        api('GET', `/push-records?eventId=${eventId}&limit=10`).then(
          (answer) => answer.body.items as { id: string; status: string; robotId: string }[],
        ),
      (items) => items.length === count && items.every((record) => record.status === 'sent'),
      { what: `${count} sent records of ${eventId}` },
    );

  it('recalls one push from its group; a webhook robot’s push is not recallable, naming why', async () => {
    const { reportId } = await appRobot('cidSales');
    const webhook = await webhookRobot(reportId);
    const eventId = (await publish(reportId, 41)).body.eventId;
    const records = await sentRecords(eventId, 2);
    const appRecord = records.find((record) => record.robotId !== webhook.id)!;
    const recalled = await api('POST', `/push-records/${appRecord.id}/recall`);
    expect(recalled.status).toBe(200);
    expect(recalled.body).toMatchObject({ status: 'recalled', recalledAt: expect.any(String) });
    const key = recalled.body.response.processQueryKey;
    const inGroup = (await groupMessages('cidSales')).find(
      (message) => (message as unknown as { processQueryKey: string }).processQueryKey === key,
    );
    expect(inGroup).toMatchObject({ recalled: true });
    const webhookRecord = records.find((record) => record.robotId === webhook.id)!;
    const refused = await api('POST', `/push-records/${webhookRecord.id}/recall`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'NotRecallable', message: expect.stringContaining('through a webhook') });
    expect((await api('POST', `/push-records/${appRecord.id}/recall`)).body.error.message).toMatch(/is recalled, not sent/);
    const audited = (await api('GET', `/audit-events?targetId=${appRecord.id}&action=push-record.recall`)).body.items;
    expect(audited).toHaveLength(1);
  });

  it('recalls a report from every group it reached through an app robot, naming the push it cannot recall', async () => {
    const reportId = `everywhere-${randomUUID().slice(0, 6)}`;
    for (const group of ['cidSales', 'cidOps']) {
      const made = await api('POST', '/robots', {
        body: {
          name: `Everywhere ${group} ${randomUUID().slice(0, 4)}`,
          channel: 'dingtalk-app',
          app: { appId, openConversationId: group },
          templateId,
          reports: [reportId],
        },
      });
      expect(made.status).toBe(201);
    }
    const webhook = await webhookRobot(reportId);
    const eventId = (await publish(reportId, 42)).body.eventId;
    const records = await sentRecords(eventId, 3);
    const answer = await api('POST', `/events/${eventId}/recall`);
    expect(answer.status).toBe(200);
    expect(answer.body.recalled).toHaveLength(2);
    const webhookRecord = records.find((record) => record.robotId === webhook.id)!;
    expect(answer.body.notRecallable).toEqual([{ id: webhookRecord.id, reason: expect.stringContaining('through a webhook') }]);
    const statuses = (await api('GET', `/push-records?eventId=${eventId}`)).body.items
      .map((record: { status: string }) => record.status)
      .sort();
    expect(statuses).toEqual(['recalled', 'recalled', 'sent']);
    expect((await api('GET', `/audit-events?targetId=${eventId}&action=event.recall`)).body.items).toHaveLength(1);
  });

  it('recalls a report with a screenshot everywhere: each push named once, its picture recalled with it', async () => {
    const { robot, reportId } = await appRobot('cidOps');
    const image = { name: 'recalled.png', contentType: 'image/png', data: chartPng([2, 7, 1]).toString('base64') };
    const eventId = (
      await api('POST', '/events/report-ready', {
        token: publisherToken,
        body: { eventId: randomUUID(), reportId, reportName: 'Daily', data: { n: 44 }, images: [image] },
      })
    ).body.eventId;
    const [record] = await sentRecords(eventId, 1);
    const keys: string[] = (await api('GET', `/push-records/${record.id}`)).body.messageKeys;
    expect(keys).toHaveLength(2);

    const answer = await api('POST', `/events/${eventId}/recall`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ recalled: [record.id], notRecallable: [] });
    const inGroup = (await groupMessages('cidOps')).filter((message) =>
      keys.includes((message as unknown as { processQueryKey: string }).processQueryKey),
    );
    expect(inGroup.map((message) => [message.msgKey, (message as unknown as { recalled: boolean }).recalled])).toEqual([
      ['sampleMarkdown', true],
      ['sampleImageMsg', true],
    ]);
    expect((await api('GET', `/push-records/${record.id}`)).body.status).toBe('recalled');
    expect(robot.id).toBe(record.robotId);
  });

  it('answers 409, not 500, for a push whose app was deleted since', async () => {
    const goneKey = `ding${randomUUID().slice(0, 10)}`;
    await control('POST', '/_sim/apps', { appKey: goneKey, appSecret: 'gone-secret', groups: { cidGone: 'Gone' } });
    const gone = (await api('POST', '/dingtalk-apps', { body: { name: 'Gone soon', appKey: goneKey, appSecret: 'gone-secret' } })).body;
    const reportId = `gone-${randomUUID().slice(0, 6)}`;
    const robot = (
      await api('POST', '/robots', {
        body: {
          name: `Gone ${reportId}`,
          channel: 'dingtalk-app',
          app: { appId: gone.id, openConversationId: 'cidGone' },
          templateId,
          reports: [reportId],
        },
      })
    ).body;
    const [record] = await sentRecords((await publish(reportId, 45)).body.eventId, 1);
    expect((await api('DELETE', `/robots/${robot.id}`)).status).toBe(204);
    expect((await api('DELETE', `/dingtalk-apps/${gone.id}`)).status).toBe(204);
    containerCaches.dingtalkApps.forget(gone.id);

    for (const path of [`/push-records/${record.id}/recall`, `/push-records/${record.id}/reads`]) {
      const answer = await api(path.endsWith('recall') ? 'POST' : 'GET', path);
      expect(answer.status).toBe(409);
      expect(answer.body.error.message).toContain(`DingTalk app ${gone.id} no longer exists`);
    }
    expect((await api('GET', `/push-records/${record.id}`)).body.status).toBe('sent');
  });

  it('says who read a push, and that DingTalk has no read status yet when it has none', async () => {
    const { reportId } = await appRobot('cidOps');
    const eventId = (await publish(reportId, 43)).body.eventId;
    const [record] = await sentRecords(eventId, 1);
    const key = (await api('GET', `/push-records/${record.id}`)).body.response.processQueryKey;
    await control('POST', '/_sim/apps/faults', { appKey, next: ['notReady'] });
    expect((await api('GET', `/push-records/${record.id}/reads`)).body).toMatchObject({ ready: false, readCount: 0, readUserIds: [] });
    await control('POST', '/_sim/apps/reads', { processQueryKey: key, userIds: ['staff-001', 'staff-002'] });
    const reads = await api('GET', `/push-records/${record.id}/reads`);
    expect(reads.body).toMatchObject({
      ready: true,
      sendStatus: 'SUCCESS',
      readCount: 2,
      readUserIds: ['staff-001', 'staff-002'],
      nextCursor: null,
    });
  });
});
