// Webhook URL policy: only each channel's robot endpoint on an allowed origin, so the service cannot be
// aimed at arbitrary (internal) addresses. The credential (DingTalk's access_token, WeCom's key, Feishu's
// hook token) is checked for shape; the stored URL is rebuilt from the parts, nothing else kept.
import { createHash } from 'node:crypto';
import { channelNames, type Channel } from '../channels/channels';
import { config } from '../config';
import type { PoolWebhook, Robot } from '../store/robotsStore';
import { validationFailed } from '../errors';

const credential = /^[A-Za-z0-9_-]{1,256}$/;

/** Each channel's path and credential: the URL it is rebuilt as, or the problem. */
const rebuildWebhook: Record<Channel, (url: URL) => string | { problem: string }> = {
  dingtalk: (url) => {
    if (url.pathname !== '/robot/send') return { problem: 'must have the path /robot/send' };
    const tokens = url.searchParams.getAll('access_token');
    if (tokens.length !== 1 || !credential.test(tokens[0]))
      return { problem: 'must carry exactly one access_token query parameter (letters, digits, - and _)' };
    // timestamp and sign are added per request; anything else DingTalk does not expect
    return `${url.origin}/robot/send?access_token=${tokens[0]}`;
  },
  wecom: (url) => {
    if (url.pathname !== '/cgi-bin/webhook/send') return { problem: 'must have the path /cgi-bin/webhook/send' };
    const keys = url.searchParams.getAll('key');
    if (keys.length !== 1 || !credential.test(keys[0]))
      return { problem: 'must carry exactly one key query parameter (letters, digits, - and _)' };
    return `${url.origin}/cgi-bin/webhook/send?key=${keys[0]}`;
  },
  feishu: (url) => {
    const token = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!token || !credential.test(token))
      return { problem: 'must have the path /open-apis/bot/v2/hook/<token> (letters, digits, - and _)' };
    if (url.search) return { problem: 'must not carry a query string' };
    return `${url.origin}/open-apis/bot/v2/hook/${token}`;
  },
};

/**
 * Returns the normalized URL or throws a 400 naming the problem at `path` (the field in the request body).
 */
export function normalizeWebhookUrl(
  raw: string,
  channel: Channel,
  allowedOrigins: string[] = config.allowedWebhookOrigins[channel],
  path = '/webhookUrl',
): string {
  const problem = (message: string) => validationFailed(`${path.slice(1)} ${message}`, [{ path, message }]);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw problem('is not a URL; paste the whole webhook address from the robot settings');
  }
  if (url.username || url.password) throw problem('must not contain a user name or password');
  if (!allowedOrigins.includes(url.origin)) {
    throw problem(`must point at an allowed ${channelNames[channel]} origin (${allowedOrigins.join(', ')})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw problem('must use https');
  if (url.hash) throw problem('must not contain a #fragment');
  const rebuilt = rebuildWebhook[channel](url);
  if (typeof rebuilt !== 'string') throw problem(rebuilt.problem);
  return rebuilt;
}

/** The key of a robot's own webhook in its send window; its pool's webhooks are keyed by a digest of their URL. */
export const ownWebhookKey = 'own';

/** A pool webhook as the robot stores it: its URL normalized (a 400 names `/pool/<index>/webhookUrl`) and keyed. */
export function poolWebhookOf(input: { webhookUrl: string; secret?: string }, index: number, channel: Channel): PoolWebhook {
  const webhookUrl = normalizeWebhookUrl(input.webhookUrl, channel, config.allowedWebhookOrigins[channel], `/pool/${index}/webhookUrl`);
  return {
    key: createHash('sha256').update(webhookUrl).digest('hex').slice(0, 16),
    webhookUrl,
    ...(input.secret && { secret: input.secret }),
  };
}

/** Refuses a webhook named twice in one request: the service would count both as one robot's rate limit. */
export function checkDistinctWebhooks(webhookUrl: string | undefined, pool: PoolWebhook[]): void {
  const seen = new Map<string, string>(webhookUrl ? [[webhookUrl, '/webhookUrl']] : []);
  pool.forEach((webhook, index) => {
    const path = `/pool/${index}/webhookUrl`;
    const first = seen.get(webhook.webhookUrl);
    if (first) throw validationFailed(`${path.slice(1)} is the same webhook as ${first.slice(1)}`, [{ path, message: `repeats ${first}` }]);
    seen.set(webhook.webhookUrl, path);
  });
}

/** A robot's webhooks, its own first: the order a tie between free slots is broken in. */
export function robotWebhooks(robot: Robot): { key: string; webhookUrl: string; webhookUrlMasked?: string; secret?: string }[] {
  return [
    { key: ownWebhookKey, webhookUrl: robot.webhookUrl, webhookUrlMasked: robot.webhookUrlMasked, secret: robot.secret },
    ...(robot.pool ?? []),
  ];
}
