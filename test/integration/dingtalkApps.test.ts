// DingTalk apps: registered with their secret sealed at rest and never returned, each change audited with
// the secret "<sealed>"; the app's message callback, signed by the simulator as DingTalk signs it, registers
// a group on an @-mention, and a bad or stale signature is a 401 that stores nothing.
import { randomUUID } from 'node:crypto';
import { auditEvent } from '../../lib/audit/auditEvent';
import { dingtalkAppsStore } from '../../lib/store/dingtalkAppsStore';
import { api } from '../support/api';
import { instanceAdmin } from '../support/callers';
import { simulator } from '../support/simulator';
import { allItems } from '../support/tableItems';

const control = (path: string, body: unknown) => simulator.control('POST', path, body);
const secret = `app-secret-${randomUUID()}`;
const appKey = `ding${randomUUID().slice(0, 10)}`;
let app: { id: string; callbackUrl: string };

beforeAll(async () => {
  await control('/_sim/apps', { appKey, appSecret: secret });
  app = (await api('POST', '/dingtalk-apps', { body: { name: 'BI reports', appKey, appSecret: secret } })).body;
});

/** The callback DingTalk would send for an @-mention in a group, posted to the app's route as DingTalk would. */
async function callback(message: Record<string, unknown>, appId = app.id) {
  const request = await control('/_sim/apps/callback', { appKey, openConversationId: 'cidSales', title: 'Sales', ...message });
  return api('POST', `/callbacks/dingtalk/${appId}`, { token: null, headers: request.headers, rawBody: request.body });
}

it('registers an app: its secret sealed at rest, never returned; robotCode is the appKey unless given', async () => {
  expect(app).toMatchObject({ name: 'BI reports', appKey, robotCode: appKey, hasAppSecret: true });
  expect(app.callbackUrl).toMatch(new RegExp(`/callbacks/dingtalk/${app.id}$`));
  expect(JSON.stringify((await api('GET', '/dingtalk-apps')).body)).not.toContain(secret);
  expect(JSON.stringify(await allItems())).not.toContain(secret);
  const changed = await api('PATCH', `/dingtalk-apps/${app.id}`, { body: { appSecret: `${secret}-2`, name: 'BI' } });
  expect(changed.body).toMatchObject({ name: 'BI', hasAppSecret: true });
  const [update] = (await api('GET', `/audit-events?targetId=${app.id}&action=dingtalk-app.update`)).body.items;
  expect(update.changes).toEqual({ name: { before: 'BI reports', after: 'BI' }, appSecret: { before: '<sealed>', after: '<sealed>' } });
  await api('PATCH', `/dingtalk-apps/${app.id}`, { body: { appSecret: secret } });
  expect((await api('PATCH', `/dingtalk-apps/${app.id}`, { body: {} })).status).toBe(400);
});

it('registers a group when someone @-mentions the robot there, and answers in the group', async () => {
  const answer = await callback({ openConversationId: 'cidSales', title: 'Sales managers' });
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ msgtype: 'text', text: { content: expect.stringContaining('Sales managers') } });
  const groups = (await api('GET', `/dingtalk-apps/${app.id}/groups`)).body.items;
  expect(groups).toEqual([{ openConversationId: 'cidSales', title: 'Sales managers', lastSeenAt: expect.any(String) }]);
});

it('refuses a stale or badly signed callback, and one for an app it does not know, storing nothing', async () => {
  const before = JSON.stringify(await allItems());
  for (const message of [
    { openConversationId: 'cidStale', stale: true },
    { openConversationId: 'cidForged', badSign: true },
  ]) {
    const refused = await callback(message);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('Unauthorized');
  }
  expect((await callback({ openConversationId: 'cidOther' }, randomUUID())).status).toBe(401);
  const unsigned = await api('POST', `/callbacks/dingtalk/${app.id}`, {
    token: null,
    body: { conversationId: 'cidX', conversationType: '2' },
  });
  expect(unsigned.status).toBe(401);
  expect(JSON.stringify(await allItems())).toBe(before);
});

it('acknowledges and ignores what is not an @-mention in a group', async () => {
  const direct = await callback({ openConversationId: 'cidDirect', conversationType: '1' });
  expect(direct).toMatchObject({ status: 200, body: {} });
  const groups = (await api('GET', `/dingtalk-apps/${app.id}/groups`)).body.items.map(
    (group: { openConversationId: string }) => group.openConversationId,
  );
  expect(groups).not.toContain('cidDirect');
});

it('deletes an app', async () => {
  const made = (
    await api('POST', '/dingtalk-apps', { body: { name: 'Temporary', appKey: `ding${randomUUID().slice(0, 8)}`, appSecret: 'x' } })
  ).body;
  expect((await api('DELETE', `/dingtalk-apps/${made.id}`)).status).toBe(204);
  expect((await api('GET', `/dingtalk-apps/${made.id}`)).status).toBe(404);
});

it('keeps the robot count of a robot made while an edit was under way, so the app cannot be deleted under it', async () => {
  const made = (
    await api('POST', '/dingtalk-apps', { body: { name: 'Edited while used', appKey: `ding${randomUUID().slice(0, 8)}`, appSecret: 'x' } })
  ).body;
  const previous = (await dingtalkAppsStore.getIn('default', made.id))!;
  const template = (await api('POST', '/templates', { body: { name: `Used ${randomUUID()}`, msgType: 'text', text: 'x' } })).body;
  const robot = { name: 'Made during the edit', channel: 'dingtalk-app', app: { appId: made.id, openConversationId: 'cidX' } };
  expect((await api('POST', '/robots', { body: { ...robot, templateId: template.id } })).status).toBe(201);

  const next = { ...previous, name: 'Edited', version: previous.version + 1 };
  const target = { type: 'dingtalk-app', id: made.id, name: made.name };
  expect(await dingtalkAppsStore.replace(previous, next, auditEvent(instanceAdmin(), 'dingtalk-app.update', target))).toBeDefined();

  expect(await dingtalkAppsStore.robotCount(made.id)).toBe(1);
  expect((await api('GET', `/dingtalk-apps/${made.id}`)).body.name).toBe('Edited');
  expect((await api('DELETE', `/dingtalk-apps/${made.id}`)).status).toBe(409);
});
