// Webhook URL policy: only DingTalk's robot endpoint on an allowed origin, so the service cannot be aimed
// at arbitrary (internal) addresses.
import { createHash } from 'node:crypto';
import { config } from '../config';
import type { PoolWebhook, Robot } from '../store/robotsStore';
import { validationFailed } from '../errors';

/**
 * Returns the normalized URL (origin + /robot/send + access_token only) or throws a 400 naming the problem
 * at `path` (the field in the request body).
 */
export function normalizeWebhookUrl(raw: string, allowedOrigins: string[] = config.allowedWebhookOrigins, path = '/webhookUrl'): string {
  const problem = (message: string) => validationFailed(`${path.slice(1)} ${message}`, [{ path, message }]);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw problem('is not a URL; paste the whole webhook address from the robot settings');
  }
  if (url.username || url.password) throw problem('must not contain a user name or password');
  if (!allowedOrigins.includes(url.origin)) {
    throw problem(`must point at an allowed DingTalk origin (${allowedOrigins.join(', ')})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw problem('must use https');
  if (url.pathname !== '/robot/send') throw problem('must have the path /robot/send');
  const tokens = url.searchParams.getAll('access_token');
  if (tokens.length !== 1 || !/^[A-Za-z0-9_-]{1,256}$/.test(tokens[0])) {
    throw problem('must carry exactly one access_token query parameter (letters, digits, - and _)');
  }
  if (url.hash) throw problem('must not contain a #fragment');
  // timestamp and sign are added per request; anything else DingTalk does not expect
  return `${url.origin}/robot/send?access_token=${tokens[0]}`;
}

/** The key of a robot's own webhook in its send window; its pool's webhooks are keyed by a digest of their URL. */
export const ownWebhookKey = 'own';

/** A pool webhook as the robot stores it: its URL normalized (a 400 names `/pool/<index>/webhookUrl`) and keyed. */
export function poolWebhookOf(input: { webhookUrl: string; secret?: string }, index: number): PoolWebhook {
  const webhookUrl = normalizeWebhookUrl(input.webhookUrl, config.allowedWebhookOrigins, `/pool/${index}/webhookUrl`);
  return {
    key: createHash('sha256').update(webhookUrl).digest('hex').slice(0, 16),
    webhookUrl,
    ...(input.secret && { secret: input.secret }),
  };
}

/** Refuses a webhook named twice in one request: DingTalk would count both as one robot's 20 a minute. */
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
