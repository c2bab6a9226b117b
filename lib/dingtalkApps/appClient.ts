// Sends through a DingTalk app's robot: one access token per app shared by every worker (kept in the table
// with its expiry, fetched again ahead of it: one fetch per app about every two hours, never one per push;
// fetched again once when DingTalk answers InvalidAuthentication), then the OpenAPI call with it in a header.
// Recall and read status go the same way.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { dingtalkApp } from '../channels/dingtalkApp';
import type { ChannelMessage } from '../channels';
import { config } from '../config';
import type { DingTalkApp } from '../domain/dingtalkApp';
import type { AppTarget } from '../domain/robot';
import { open, seal } from '../secrets/secretBox';
import { dingtalkAppsStore } from '../store/dingtalkAppsStore';
import { tableName } from '../store/table';
import { sendRequest, type DeliveryAttempt } from '../delivery/webhookClient';

/** A token is fetched again this long before DingTalk says it ends. */
const refreshAheadMs = 10 * 60_000;

const tokenKey = (appId: string) => ({ pk: `DINGTALK_TOKEN#${appId}`, sk: 'TOKEN' });
/** This container's copy of each app's token, so a batch of pushes reads the table once. */
const held = new Map<string, { accessToken: string; expiresAt: number }>();

async function fetchToken(app: DingTalkApp, now: number): Promise<{ accessToken: string; expiresAt: number }> {
  const answer = await fetch(`${config.dingtalkApiOrigin}/v1.0/oauth2/accessToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appKey: app.appKey, appSecret: await open(app.appSecret) }),
    signal: AbortSignal.timeout(config.webhookTimeoutMs),
  });
  const body = (await answer.json()) as { accessToken?: string; expireIn?: number; code?: string; message?: string };
  if (!answer.ok || !body.accessToken || !body.expireIn)
    throw new AppTokenRefused(`DingTalk refused the app's credentials: ${body.code ?? answer.status} ${body.message ?? ''}`.trim());
  const token = { accessToken: body.accessToken, expiresAt: now + body.expireIn * 1000 };
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...tokenKey(app.id), accessToken: await seal(token.accessToken), expiresAt: token.expiresAt, fetchedAt: now },
    }),
  );
  return token;
}

/** The app's key or secret is wrong: final until an admin fixes the app. */
export class AppTokenRefused extends Error {}

/** A token good for a while yet: this container's, the one every worker shares, or a new one. */
async function tokenFor(app: DingTalkApp, now: number, refused?: string): Promise<string> {
  const mine = held.get(app.id);
  if (mine && mine.accessToken !== refused && mine.expiresAt - refreshAheadMs > now) return mine.accessToken;
  const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: tokenKey(app.id), ConsistentRead: true }));
  const shared = Item && { accessToken: await open(String(Item.accessToken)), expiresAt: Number(Item.expiresAt) };
  const usable = shared && shared.accessToken !== refused && shared.expiresAt - refreshAheadMs > now ? shared : await fetchToken(app, now);
  held.set(app.id, usable);
  return usable.accessToken;
}

/** One OpenAPI call with the app's token; once again with a fresh token when DingTalk says it is not valid. */
async function withToken(app: DingTalkApp, call: (token: string) => Promise<DeliveryAttempt>, now = Date.now()): Promise<DeliveryAttempt> {
  let token: string;
  try {
    token = await tokenFor(app, now);
  } catch (error) {
    const refused = error instanceof AppTokenRefused;
    // nothing reached the group: a refused secret is final, an unreachable DingTalk is retried
    return { result: 'not-sent', outcome: refused ? 'permanent' : 'retryable', errmsg: (error as Error).message, durationMs: 0 };
  }
  const attempt = await call(token);
  if (attempt.code !== 'InvalidAuthentication') return attempt;
  try {
    return await call(await tokenFor(app, Date.now(), token));
  } catch (error) {
    return { result: 'not-sent', outcome: 'retryable', errmsg: (error as Error).message, durationMs: 0 };
  }
}

const openApi = (path: string, token: string, body: object) => ({
  url: `${config.dingtalkApiOrigin}${path}`,
  body,
  headers: { 'x-acs-dingtalk-access-token': token },
});

async function appOf(target: AppTarget): Promise<DingTalkApp | undefined> {
  return dingtalkAppsStore.read(target.appId);
}

/** Sends one message to the robot's group; the answer's processQueryKey names it for recall and reads. */
export async function sendThroughApp(message: ChannelMessage, target: AppTarget): Promise<DeliveryAttempt> {
  const app = await appOf(target);
  if (!app)
    return { result: 'not-sent', outcome: 'permanent', errmsg: `The robot's DingTalk app ${target.appId} no longer exists`, durationMs: 0 };
  const body = { robotCode: app.robotCode, openConversationId: target.openConversationId, ...message };
  return withToken(app, (token) =>
    sendRequest(dingtalkApp, openApi('/v1.0/robot/groupMessages/send', token, body), config.webhookTimeoutMs),
  );
}

/** Pulls messages back from the group: the keys DingTalk recalled, and why it did not recall the others. */
export async function recallThroughApp(target: AppTarget, processQueryKeys: string[]) {
  const app = await appOf(target);
  if (!app) throw new Error(`The robot's DingTalk app ${target.appId} no longer exists`);
  const attempt = await withToken(app, (token) =>
    sendRequest(
      recallReader,
      openApi('/v1.0/robot/groupMessages/recall', token, {
        robotCode: app.robotCode,
        openConversationId: target.openConversationId,
        processQueryKeys,
      }),
      config.webhookTimeoutMs,
      true,
    ),
  );
  return attempt;
}

/** Who read a message (a page of them), as DingTalk reports it. */
export async function readsThroughApp(target: AppTarget, processQueryKey: string, nextToken?: string) {
  const app = await appOf(target);
  if (!app) throw new Error(`The robot's DingTalk app ${target.appId} no longer exists`);
  return withToken(app, (token) =>
    sendRequest(
      recallReader,
      openApi('/v1.0/robot/groupMessages/query', token, {
        robotCode: app.robotCode,
        openConversationId: target.openConversationId,
        processQueryKey,
        maxResults: 200,
        ...(nextToken && { nextToken }),
      }),
      config.webhookTimeoutMs,
      true,
    ),
  );
}

/** Recall and query answer 200 with their result, or an error code like a send. */
const recallReader = {
  name: dingtalkApp.name,
  answerCode: (status: number, answer: Record<string, unknown>) =>
    status === 200 ? { code: 0, outcome: 'ok' as const, message: 'ok' } : dingtalkApp.answerCode(status, answer),
};
