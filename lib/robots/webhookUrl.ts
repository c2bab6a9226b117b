// Webhook URL policy: only the chat service's robot endpoint on an allowed origin, so the service cannot be
// aimed at arbitrary (internal) addresses. Its adapter checks the path and credential and rebuilds the URL
// from them, nothing else kept.
import { createHash } from 'node:crypto';
import { adapterOf, type Channel } from '../channels';
import type { PoolWebhook, Robot } from '../domain/robot';
import { validationFailed } from '../errors';

/**
 * Returns the normalized URL or throws a 400 naming the problem at `path` (the field in the request body).
 */
export function normalizeWebhookUrl(
  raw: string,
  channel: Channel,
  allowedOrigins: string[] = adapterOf(channel).allowedOrigins,
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
    throw problem(`must point at an allowed ${adapterOf(channel).name} origin (${allowedOrigins.join(', ')})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw problem('must use https');
  if (url.hash) throw problem('must not contain a #fragment');
  const rebuilt = adapterOf(channel).rebuildWebhook(url);
  if (typeof rebuilt !== 'string') throw problem(rebuilt.problem);
  return rebuilt;
}

/** The key of a robot's own webhook in its send window; its pool's webhooks are keyed by a digest of their URL. */
export const ownWebhookKey = 'own';

/** A pool webhook as the robot stores it: its URL normalized (a 400 names `/pool/<index>/webhookUrl`) and keyed. */
export function poolWebhookOf(input: { webhookUrl: string; secret?: string }, index: number, channel: Channel): PoolWebhook {
  const webhookUrl = normalizeWebhookUrl(input.webhookUrl, channel, adapterOf(channel).allowedOrigins, `/pool/${index}/webhookUrl`);
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

/**
 * A robot's ways into its group, each with its own send window, its own first (the order a tie between free
 * slots is broken in): its webhooks, or for an app robot its app, which has no URL here.
 */
export function robotWebhooks(robot: Robot): { key: string; webhookUrl?: string; webhookUrlMasked?: string; secret?: string }[] {
  return [
    { key: ownWebhookKey, webhookUrl: robot.webhookUrl, webhookUrlMasked: robot.webhookUrlMasked, secret: robot.secret },
    ...(robot.pool ?? []),
  ];
}
