// Robot request signing ("加签"): sign = urlEncode(base64(HmacSHA256(secret, timestamp + "\n" + secret))).
import { createHmac } from 'node:crypto';

/** The raw base64 signature, before URL encoding. */
export function signature(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The webhook URL with timestamp and sign added; URLSearchParams encodes the signature exactly once. */
export function signedWebhookUrl(webhookUrl: string, secret: string | undefined, timestampMs: number): string {
  if (!secret) return webhookUrl;
  const url = new URL(webhookUrl);
  url.searchParams.set('timestamp', String(timestampMs));
  url.searchParams.set('sign', signature(secret, timestampMs));
  return url.toString();
}
