// Sends through a DingTalk app's robot: one access token per app shared by every worker (kept in the table
// with its expiry, fetched again ahead of it: one fetch per app about every two hours, never one per push;
// fetched again once when DingTalk answers InvalidAuthentication), then the OpenAPI call with it in a header.
// Recall and read status go the same way.
import { dingtalkApp, storedImage } from '../channels/dingtalkApp';
import { imagesStore } from '../store/imagesStore';
import type { ChannelMessage } from '../channels';
import { config } from '../config';
import type { DingTalkApp } from '../domain/dingtalkApp';
import type { AppTarget } from '../domain/robot';
import { open } from '../secrets/secretBox';
import { dingtalkAppsStore, type AppAccessToken } from '../store/dingtalkAppsStore';
import { sleep } from '../concurrency';
import { containerCaches } from '../containerCache';
import { conflict } from '../errors';
import { sendRequest, type DeliveryAttempt } from '../delivery/webhookClient';

/** A token is fetched again this long before DingTalk says it ends. */
const refreshAheadMs = 10 * 60_000;

/** This container's copy of each app's token, so a batch of pushes reads the table once. */
const held = new Map<string, AppAccessToken>();

async function fetchToken(app: DingTalkApp, now: number): Promise<AppAccessToken> {
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
  await dingtalkAppsStore.keepToken(app.id, token, now);
  return token;
}

/** The app's key or secret is wrong: final until an admin fixes the app. */
export class AppTokenRefused extends Error {}

/** A token good for a while yet: this container's, the one every worker shares, or a new one. */
async function tokenFor(app: DingTalkApp, now: number, refused?: string): Promise<string> {
  const usable = (token?: AppAccessToken) =>
    token && token.accessToken !== refused && token.expiresAt - refreshAheadMs > now ? token : undefined;
  const token = usable(held.get(app.id)) ?? usable(await dingtalkAppsStore.sharedToken(app.id)) ?? (await fetchToken(app, now));
  held.set(app.id, token);
  return token.accessToken;
}

/** Nothing reached the group: an attempt that failed before its send. */
const notSent = (errmsg: string, outcome: 'retryable' | 'permanent', code?: string): DeliveryAttempt => ({
  result: 'not-sent',
  outcome,
  errmsg,
  durationMs: 0,
  ...(code && { code }),
});

/** One OpenAPI call with the app's token; once again with a fresh token when DingTalk says it is not valid. */
async function withToken(app: DingTalkApp, call: (token: string) => Promise<DeliveryAttempt>, now = Date.now()): Promise<DeliveryAttempt> {
  let token: string;
  try {
    token = await tokenFor(app, now);
  } catch (error) {
    // a refused secret is final, an unreachable DingTalk is retried
    return notSent((error as Error).message, error instanceof AppTokenRefused ? 'permanent' : 'retryable');
  }
  const attempt = await call(token);
  if (attempt.code !== 'InvalidAuthentication') return attempt;
  try {
    return await call(await tokenFor(app, Date.now(), token));
  } catch (error) {
    return notSent((error as Error).message, 'retryable');
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

/**
 * Whether this worker uploads the screenshot: the first to claim it does, and the others wait a few seconds for
 * its media_id (two groups of one app are sent the same screenshot at the same moment), then upload anyway.
 */
async function claimUpload(app: DingTalkApp, imageId: string): Promise<string | undefined> {
  if (await dingtalkAppsStore.claimUpload(app, imageId, Date.now())) return undefined;
  for (let waited = 0; waited < 5000; waited += 200) {
    await sleep(200);
    const mediaId = await dingtalkAppsStore.mediaId(app.id, imageId);
    if (mediaId) return mediaId;
  }
  return undefined;
}

/** A stored screenshot's media_id for this app: uploaded once (a media_id does not expire), then kept in the table. */
async function mediaIdOf(app: DingTalkApp, token: string, imageId: string): Promise<string | DeliveryAttempt> {
  const known = (await dingtalkAppsStore.mediaId(app.id, imageId)) ?? (await claimUpload(app, imageId));
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
  await dingtalkAppsStore.keepMediaId(app, imageId, answer.media_id);
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

/** Recall and query answer 200 with their result, or an error code like a send. */
const resultReader = {
  name: dingtalkApp.name,
  answerCode: (status: number, answer: Record<string, unknown>) =>
    status === 200 ? { code: 0, outcome: 'ok' as const, message: 'ok' } : dingtalkApp.answerCode(status, answer),
};

/** A call about messages the robot sent to the group (recall, read status): it answers 200 with its result. */
async function askAboutMessages(target: AppTarget, path: string, fields: Record<string, unknown>): Promise<DeliveryAttempt> {
  const app = await appOf(target);
  if (!app) throw conflict(`The robot's DingTalk app ${target.appId} no longer exists, so DingTalk cannot be asked about its messages`);
  const body = { robotCode: app.robotCode, openConversationId: target.openConversationId, ...fields };
  return withToken(app, (token) => sendRequest(resultReader, openApi(path, token, body), config.webhookTimeoutMs, true));
}

/** Pulls messages back from the group: the keys DingTalk recalled, and why it did not recall the others. */
export const recallThroughApp = (target: AppTarget, processQueryKeys: string[]) =>
  askAboutMessages(target, '/v1.0/robot/groupMessages/recall', { processQueryKeys });

/** Who read a message (a page of them), as DingTalk reports it. */
export const readsThroughApp = (target: AppTarget, processQueryKey: string, nextToken?: string) =>
  askAboutMessages(target, '/v1.0/robot/groupMessages/query', { processQueryKey, maxResults: 200, ...(nextToken && { nextToken }) });
