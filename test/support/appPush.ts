// A push an app robot sent, made directly: a DingTalk app registered with the simulator and the service, one
// message sent to the simulator's group through the OpenAPI, and its record as the worker would have left it.
import { randomUUID } from 'node:crypto';
import { api } from './api';

const simulatorUrl = () => process.env.SIMULATOR_URL as string;
const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
  (
    await fetch(`${simulatorUrl()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  ).json() as Promise<any>;

export async function sentAppPush(): Promise<{ id: string; eventId: string }> {
  const appKey = `ding${randomUUID().slice(0, 10)}`;
  const group = 'cidAudit';
  await post('/_sim/apps', { appKey, appSecret: 'secret', groups: { [group]: 'Audit' } });
  const app = (await api('POST', '/dingtalk-apps', { body: { name: `App ${appKey}`, appKey, appSecret: 'secret' } })).body;
  const { accessToken } = await post('/v1.0/oauth2/accessToken', { appKey, appSecret: 'secret' });
  const { processQueryKey } = await post(
    '/v1.0/robot/groupMessages/send',
    { robotCode: appKey, openConversationId: group, msgKey: 'sampleText', msgParam: '{"content":"audit"}' },
    { 'x-acs-dingtalk-access-token': accessToken },
  );
  const { recordsStore } = await import('../../lib/store/recordsStore');
  const { newQueuedRecord } = await import('../../lib/domain/pushRecord');
  const eventId = `app-${randomUUID()}`;
  const record = newQueuedRecord({
    id: randomUUID(),
    workspaceId: 'default',
    eventId,
    reportId: 'audit',
    reportName: 'Audit',
    robotId: 'app-robot',
    robotName: 'App robot',
    channel: 'dingtalk-app',
    app: { appId: app.id, openConversationId: group },
    templateId: 'any',
    templateName: 'any',
  });
  await recordsStore.putMany([{ ...record, status: 'sent', attempts: 1, response: { processQueryKey }, messageKeys: [processQueryKey] }]);
  return { id: record.id, eventId };
}
