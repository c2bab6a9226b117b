// The simulator's DingTalk app robot API, checked against a client nobody here wrote: DingTalk's official
// Node SDK (@alicloud/dingtalk), its oauth2_1_0 and robot_1_0 clients pointed at the simulator. The SDK
// parses every answer, and the simulator refuses what DingTalk refuses (an expired token surfaces as the
// SDK's InvalidAuthentication error).
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OAuth2Client, { GetAccessTokenRequest } from '@alicloud/dingtalk/dist/oauth2_1_0/client';
import RobotClient, {
  OrgGroupQueryHeaders,
  OrgGroupQueryRequest,
  OrgGroupRecallHeaders,
  OrgGroupRecallRequest,
  OrgGroupSendHeaders,
  OrgGroupSendRequest,
} from '@alicloud/dingtalk/dist/robot_1_0/client';
import { Config } from '@alicloud/openapi-client';
import { RuntimeOptions } from '@alicloud/tea-util';
import { chartPng } from '../support/chartPng';
import { simulator } from '../support/simulator';

const simulatorUrl = () => process.env.SIMULATOR_URL as string;
const control = simulator.control;
const config = () => new Config({ protocol: 'http', regionId: 'central', endpoint: new URL(simulatorUrl()).host });
const app = {
  appKey: `ding${randomUUID().slice(0, 12)}`,
  appSecret: `secret-${randomUUID()}`,
  groups: { cidSales: 'Sales', cidOps: 'Ops' },
};
const runtime = new RuntimeOptions({});

let oauth: OAuth2Client;
let robot: RobotClient;

beforeAll(async () => {
  await control('POST', '/_sim/apps', app);
  oauth = new OAuth2Client(config());
  robot = new RobotClient(config());
});

async function accessToken(): Promise<string> {
  const answer = await oauth.getAccessToken(new GetAccessTokenRequest({ appKey: app.appKey, appSecret: app.appSecret }));
  expect(answer.body?.expireIn).toBe(7200);
  return answer.body?.accessToken as string;
}

const send = (token: string, fields: { msgKey: string; msgParam: string; openConversationId?: string }) =>
  robot.orgGroupSendWithOptions(
    new OrgGroupSendRequest({ robotCode: app.appKey, openConversationId: 'cidSales', ...fields }),
    new OrgGroupSendHeaders({ xAcsDingtalkAccessToken: token }),
    runtime,
  );

/** The SDK's error for a refused call: its code and HTTP status. */
async function refusal(call: Promise<unknown>): Promise<{ code: string; statusCode: number }> {
  const error = await call.then(
    () => undefined,
    (caught: { code: string; statusCode: number }) => caught,
  );
  if (!error) throw new Error('the call was not refused');
  return { code: error.code, statusCode: error.statusCode };
}

it('issues an access token to the app’s key and secret only', async () => {
  expect(await accessToken()).toMatch(/^[0-9a-f]{32}$/);
  expect(await refusal(oauth.getAccessToken(new GetAccessTokenRequest({ appKey: app.appKey, appSecret: 'wrong' })))).toEqual({
    code: 'invalidClientIdOrSecret',
    statusCode: 400,
  });
});

it('sends, reports reads, and recalls through the SDK; the SDK parses each answer', async () => {
  const token = await accessToken();
  const sent = await send(token, { msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'Daily', text: '## Revenue ¥12,300' }) });
  const processQueryKey = sent.body?.processQueryKey as string;
  expect(processQueryKey).toEqual(expect.any(String));
  const [received] = (await control('GET', `/_sim/apps/messages?appKey=${app.appKey}&openConversationId=cidSales`)).items;
  expect(received).toMatchObject({ msgKey: 'sampleMarkdown', msgParam: { title: 'Daily', text: '## Revenue ¥12,300' } });

  await control('POST', '/_sim/apps/reads', { processQueryKey, userIds: ['staff-001', 'staff-002'] });
  const query = () =>
    robot.orgGroupQueryWithOptions(
      new OrgGroupQueryRequest({ robotCode: app.appKey, openConversationId: 'cidSales', processQueryKey, maxResults: 1 }),
      new OrgGroupQueryHeaders({ xAcsDingtalkAccessToken: token }),
      runtime,
    );
  const reads = await query();
  expect(reads.body).toMatchObject({ sendStatus: 'SUCCESS', readUserIds: ['staff-001'], hasMore: true, nextToken: '1' });

  const recalled = await robot.orgGroupRecallWithOptions(
    new OrgGroupRecallRequest({
      robotCode: app.appKey,
      openConversationId: 'cidSales',
      processQueryKeys: [processQueryKey, 'unknown-key'],
    }),
    new OrgGroupRecallHeaders({ xAcsDingtalkAccessToken: token }),
    runtime,
  );
  expect(recalled.body?.successResult).toEqual([processQueryKey]);
  expect(recalled.body?.failedResult).toEqual({ 'unknown-key': 'message not found' });
  expect((await query()).body?.sendStatus).toBe('RECALLED');
});

it('refuses an expired token as InvalidAuthentication, which a fresh token cures', async () => {
  const token = await accessToken();
  await control('POST', '/_sim/apps/expire-tokens', { appKey: app.appKey });
  const text = { msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'hello' }) };
  expect(await refusal(send(token, text))).toEqual({ code: 'InvalidAuthentication', statusCode: 400 });
  expect((await send(await accessToken(), text)).body?.processQueryKey).toEqual(expect.any(String));
});

it('refuses what DingTalk refuses: unknown msgKey, a msgParam that is not its shape or over 15,000 bytes, a group the robot is not in', async () => {
  const token = await accessToken();
  expect(await refusal(send(token, { msgKey: 'sampleFeedCard', msgParam: '{}' }))).toMatchObject({
    code: 'invalidParameter.msgKey.invalid',
  });
  expect(await refusal(send(token, { msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'no text' }) }))).toMatchObject({
    code: 'invalidParameter.msgParam.invalid',
  });
  const big = JSON.stringify({ content: 'x'.repeat(15_000) });
  expect(await refusal(send(token, { msgKey: 'sampleText', msgParam: big }))).toMatchObject({ code: 'invalidParameter.msgParam.invalid' });
  expect(
    await refusal(send(token, { msgKey: 'sampleText', msgParam: '{"content":"x"}', openConversationId: 'cidElsewhere' })),
  ).toMatchObject({
    code: 'invalidParameter.robotCode.notExsit',
  });
  // a picture: a media id this app uploaded, never one made up
  expect(await refusal(send(token, { msgKey: 'sampleImageMsg', msgParam: JSON.stringify({ photoURL: '@lADPmadeup' }) }))).toMatchObject({
    code: 'invalidParameter.msgParam.invalid',
  });
  const form = new FormData();
  form.append('media', new Blob([chartPng([3, 5, 4])], { type: 'image/png' }), 'chart.png');
  const uploaded = (await (
    await fetch(`${simulatorUrl()}/media/upload?access_token=${token}&type=image`, { method: 'POST', body: form })
  ).json()) as { media_id: string };
  expect(uploaded).toMatchObject({ errcode: 0, media_id: expect.stringMatching(/^@lADP/) });
  const picture = await send(token, { msgKey: 'sampleImageMsg', msgParam: JSON.stringify({ photoURL: uploaded.media_id }) });
  expect(picture.body?.processQueryKey).toEqual(expect.any(String));
  const stale = await (
    await fetch(`${simulatorUrl()}/media/upload?access_token=expired&type=image`, { method: 'POST', body: form })
  ).json();
  expect(stale).toMatchObject({ errcode: 40014 });
});

it('answers the QPS limit as HTTP 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', async () => {
  const token = await accessToken();
  await control('POST', '/_sim/apps/faults', { appKey: app.appKey, next: ['qpsLimit'] });
  expect(await refusal(send(token, { msgKey: 'sampleText', msgParam: '{"content":"x"}' }))).toEqual({
    code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
    statusCode: 403,
  });
});

it('sends a callback signed as DingTalk signs it (and a stale or badly signed one, for the tests of a receiver)', async () => {
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"msgtype":"text","text":{"content":"ok"}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  try {
    const answer = await control('POST', '/_sim/apps/callback', {
      appKey: app.appKey,
      url,
      openConversationId: 'cidNew',
      title: 'New group',
    });
    expect(answer).toMatchObject({ status: 200, body: expect.stringContaining('ok') });
    await control('POST', '/_sim/apps/callback', {
      appKey: app.appKey,
      url,
      openConversationId: 'cidNew',
      title: 'New group',
      stale: true,
    });
    await control('POST', '/_sim/apps/callback', {
      appKey: app.appKey,
      url,
      openConversationId: 'cidNew',
      title: 'New group',
      badSign: true,
    });
  } finally {
    server.close();
  }
  const signOf = (timestamp: string) => createHmac('sha256', app.appSecret).update(`${timestamp}\n${app.appSecret}`).digest('base64');
  const [good, stale, bad] = received;
  expect(good.headers.sign).toBe(signOf(String(good.headers.timestamp)));
  expect(Date.now() - Number(good.headers.timestamp)).toBeLessThan(60_000);
  expect(JSON.parse(good.body)).toMatchObject({
    conversationId: 'cidNew',
    conversationType: '2',
    conversationTitle: 'New group',
    robotCode: app.appKey,
  });
  expect(Date.now() - Number(stale.headers.timestamp)).toBeGreaterThan(3_600_000);
  expect(bad.headers.sign).not.toBe(signOf(String(bad.headers.timestamp)));
});
