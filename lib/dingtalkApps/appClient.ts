// Sends through a DingTalk app's robot: one access token per app shared by every worker (kept in the table
// with its expiry, fetched again ahead of it: one fetch per app about every two hours, never one per push;
// fetched again once when DingTalk answers InvalidAuthentication), then the OpenAPI call with it in a header.
// Recall and read status go the same way.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { dingtalkApp, storedImage } from '../channels/dingtalkApp';
import { imagesStore } from '../store/imagesStore';
import type { ChannelMessage } from '../channels';
import { config } from '../config';
import type { DingTalkApp } from '../domain/dingtalkApp';
import type { AppTarget } from '../domain/robot';
import { open, seal } from '../secrets/secretBox';
import { dingtalkAppsStore } from '../store/dingtalkAppsStore';
import { isConditionFailure, tableName } from '../store/table';
import { sleep } from '../concurrency';
import { containerCaches } from '../containerCache';
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

/** The robot's app, read once a minute per container: a send does not read it each time. */
async function appOf(target: AppTarget): Promise<DingTalkApp | undefined> {
  return containerCaches.dingtalkApps.get(target.appId, () => dingtalkAppsStore.read(target.appId));
}

const mediaKey = (appId: string, imageId: string) => ({ pk: `DINGTALK_MEDIA#${appId}`, sk: imageId });

/** Nothing reached the group: an attempt that failed before its send. */
const notSent = (errmsg: string, outcome: 'retryable' | 'permanent', code?: string): DeliveryAttempt => ({
  result: 'not-sent',
  outcome,
  errmsg,
  durationMs: 0,
  ...(code && { code }),
});

const storedMediaId = async (app: DingTalkApp, imageId: string) =>
  (await dynamodb.send(new GetCommand({ TableName: tableName, Key: mediaKey(app.id, imageId), ConsistentRead: true }))).Item?.mediaId as
    string | undefined;

/**
 * Whether this worker uploads the screenshot: the first to claim it does, and the others wait a few seconds for
 * its media_id (two groups of one app are sent the same screenshot at the same moment), then upload anyway.
 */
async function claimUpload(app: DingTalkApp, imageId: string): Promise<string | undefined> {
  const now = Date.now();
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...mediaKey(app.id, imageId), workspaceId: app.workspaceId, claimedAt: now },
        ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(mediaId) AND claimedAt < :stale)',
        ExpressionAttributeValues: { ':stale': now - 30_000 },
      }),
    );
    return undefined;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  for (let waited = 0; waited < 5000; waited += 200) {
    await sleep(200);
    const mediaId = await storedMediaId(app, imageId);
    if (mediaId) return mediaId;
  }
  return undefined;
}

/** A stored screenshot's media_id for this app: uploaded once (a media_id does not expire), then kept in the table. */
async function mediaIdOf(app: DingTalkApp, token: string, imageId: string): Promise<string | DeliveryAttempt> {
  const known = (await storedMediaId(app, imageId)) ?? (await claimUpload(app, imageId));
  if (known) return known;
  const image = await imagesStore.get(imageId);
  if (!image) return notSent(`The screenshot ${imageId} is no longer kept`, 'permanent');
  const form = new FormData();
  form.append('media', new Blob([image.body], { type: image.contentType }), `${imageId}.${image.contentType.split('/')[1] ?? 'png'}`);
  let answer: { errcode?: number; errmsg?: string; media_id?: string };
  try {
    const response = await fetch(`${config.dingtalkOapiOrigin}/media/upload?access_token=${encodeURIComponent(token)}&type=image`, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(config.webhookTimeoutMs),
    });
    answer = (await response.json()) as typeof answer;
  } catch (error) {
    return notSent(`The screenshot's upload to DingTalk failed (${(error as Error).message}); it is tried again`, 'retryable');
  }
  // the older API says an expired token with errcode 40014: the same fresh token as a send's InvalidAuthentication
  if (answer.errcode === 40014) return notSent('DingTalk refused the access token for the upload', 'retryable', 'InvalidAuthentication');
  if (answer.errcode !== 0 || !answer.media_id)
    return notSent(`DingTalk refused the screenshot: ${answer.errcode} ${answer.errmsg ?? ''}`, 'permanent');
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...mediaKey(app.id, imageId), workspaceId: app.workspaceId, mediaId: answer.media_id },
    }),
  );
  return answer.media_id;
}

/** A picture that names a stored screenshot names its media_id instead; anything else as it is. */
async function withMediaId(app: DingTalkApp, token: string, message: ChannelMessage): Promise<ChannelMessage | DeliveryAttempt> {
  if (!('msgKey' in message) || message.msgKey !== 'sampleImageMsg') return message;
  const photoURL = String((JSON.parse(message.msgParam) as { photoURL?: unknown }).photoURL);
  if (!photoURL.startsWith(storedImage)) return message;
  const mediaId = await mediaIdOf(app, token, photoURL.slice(storedImage.length));
  return typeof mediaId === 'string' ? { ...message, msgParam: JSON.stringify({ photoURL: mediaId }) } : mediaId;
}

/** Sends one message to the robot's group; the answer's processQueryKey names it for recall and reads. */
export async function sendThroughApp(message: ChannelMessage, target: AppTarget): Promise<DeliveryAttempt> {
  const app = await appOf(target);
  if (!app) return notSent(`The robot's DingTalk app ${target.appId} no longer exists`, 'permanent');
  return withToken(app, async (token) => {
    const resolved = await withMediaId(app, token, message);
    if ('result' in resolved) return resolved;
    const body = { robotCode: app.robotCode, openConversationId: target.openConversationId, ...resolved };
    return sendRequest(dingtalkApp, openApi('/v1.0/robot/groupMessages/send', token, body), config.webhookTimeoutMs);
  });
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
