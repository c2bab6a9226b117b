// POSTs one message to a robot webhook. Reads errcode, not just the HTTP status; never follows redirects.
import { classifyErrcode, classifyHttpStatus, type DeliveryClass } from './errcodes';
import type { DingTalkMessage } from './messages';
import { signedWebhookUrl } from './sign';

export interface DeliveryAttempt {
  outcome: DeliveryClass;
  httpStatus?: number;
  errcode?: number;
  errmsg: string;
  durationMs: number;
  /** DingTalk's parsed answer, when it sent JSON. */
  response?: unknown;
}

export interface SendOptions {
  webhookUrl: string;
  secret?: string;
  timeoutMs: number;
  now?: () => number;
}

const maxResponseChars = 2000;

export async function sendToDingTalk(message: DingTalkMessage, options: SendOptions): Promise<DeliveryAttempt> {
  const started = Date.now();
  // A fresh timestamp for every attempt: DingTalk rejects signatures older than an hour.
  const url = signedWebhookUrl(options.webhookUrl, options.secret, (options.now ?? Date.now)());
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(message),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    // by name, not instanceof: the abort reason is a DOMException, which may come from another realm
    const name = (error as { name?: string } | undefined)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    return {
      outcome: 'retryable',
      errmsg: timedOut ? `no answer from DingTalk within ${options.timeoutMs} ms` : `network error: ${networkCause(error)}`,
      durationMs: Date.now() - started,
    };
  }
  let text = '';
  try {
    text = await response.text();
  } catch (error) {
    return {
      outcome: 'retryable',
      httpStatus: response.status,
      errmsg: `connection lost while reading DingTalk's answer: ${networkCause(error)}`,
      durationMs: Date.now() - started,
    };
  }
  const durationMs = Date.now() - started;
  if (response.status >= 300 && response.status < 400) {
    return { outcome: 'permanent', httpStatus: response.status, errmsg: `DingTalk answered with a redirect (HTTP ${response.status}); not followed`, durationMs };
  }
  if (response.status !== 200) {
    return { outcome: classifyHttpStatus(response.status), httpStatus: response.status, errmsg: `HTTP ${response.status} from DingTalk`, durationMs };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { outcome: 'retryable', httpStatus: 200, errmsg: `DingTalk answered with something other than JSON: ${text.slice(0, 100)}`, durationMs };
  }
  const body = parsed as { errcode?: unknown; errmsg?: unknown };
  if (typeof body !== 'object' || body === null || typeof body.errcode !== 'number') {
    return { outcome: 'retryable', httpStatus: 200, errmsg: 'DingTalk answered without an errcode', durationMs, response: truncate(parsed) };
  }
  return {
    outcome: classifyErrcode(body.errcode),
    httpStatus: 200,
    errcode: body.errcode,
    errmsg: typeof body.errmsg === 'string' ? body.errmsg.slice(0, 500) : '',
    durationMs,
    response: truncate(parsed),
  };
}

function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : 'unknown');
}

function truncate(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text.length <= maxResponseChars ? value : { truncated: text.slice(0, maxResponseChars) };
}
