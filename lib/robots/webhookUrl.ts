// Webhook URL policy: only DingTalk's robot endpoint on an allowed origin, so the service cannot be aimed
// at arbitrary (internal) addresses.
import { config } from '../config';
import { validationFailed } from '../errors';

const problem = (message: string) => validationFailed(`webhookUrl ${message}`, [{ path: '/webhookUrl', message }]);

/** Returns the normalized URL (origin + /robot/send + access_token only) or throws a 400 naming the problem. */
export function normalizeWebhookUrl(raw: string, allowedOrigins: string[] = config.allowedWebhookOrigins): string {
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
