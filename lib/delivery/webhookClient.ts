// POSTs one body to a robot webhook and says how the attempt ended: not sent (safe to send again), answered
// (the HTTP status and the service's code decide) or uncertain (the whole request was written and no answer
// came, so the group may show it). The robot's chat service signs the request and reads the answer; this
// module knows none. Never follows redirects.
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { classifyHttpStatus, type AnswerCode, type ChannelAdapter, type DeliveryClass } from '../channels/adapter';

/** What became of the request itself, before any meaning is read from an answer. */
export type AttemptResult = 'not-sent' | 'answered' | 'uncertain';

export interface DeliveryAttempt {
  result: AttemptResult;
  /** For an answered attempt, what the answer means; `retryable` when not sent; `uncertain` when unknown. */
  outcome: DeliveryClass | 'uncertain';
  httpStatus?: number;
  errcode?: number;
  /** A service's error code that is a word (DingTalk's OpenAPI), where others answer an errcode. */
  code?: string;
  errmsg: string;
  durationMs: number;
  /** The service's parsed answer, when it sent JSON. */
  response?: unknown;
}

export interface SendOptions {
  webhookUrl: string;
  secret?: string;
  timeoutMs: number;
  now?: () => number;
}

const maxResponseChars = 2000;
// Idle connections are closed before a server's usual 5 s keep-alive ends: a POST on a socket the server
// has just closed would be an uncertain attempt.
const transports = {
  'http:': { request: httpRequest, agent: new HttpAgent({ keepAlive: true, timeout: 4000 }) },
  'https:': { request: httpsRequest, agent: new HttpsAgent({ keepAlive: true, timeout: 4000 }) },
};

type Exchange =
  | { kind: 'answer'; response: IncomingMessage; text: string }
  | { kind: 'answer-cut'; response: IncomingMessage; cause: string }
  | { kind: 'no-answer'; written: boolean; cause: string };

/** One POST; `written` says whether the whole request had been handed to the network when it failed. */
function post(url: URL, body: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    let written = false;
    let settled = false;
    const finish = (exchange: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(exchange);
    };
    const { request: send, agent } = transports[url.protocol === 'https:' ? 'https:' : 'http:'];
    const request = send(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => {
      finish({ kind: 'no-answer', written, cause: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.on('finish', () => (written = true));
    request.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'no-answer', written, cause: error.code ?? error.message }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => finish({ kind: 'answer', response, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'answer-cut', response, cause: error.code ?? error.message }));
      response.on('aborted', () => finish({ kind: 'answer-cut', response, cause: 'connection closed mid-answer' }));
    });
    request.end(body);
  });
}

export async function sendToRobot<Body extends object>(
  adapter: ChannelAdapter<Body>,
  message: Body,
  options: SendOptions,
): Promise<DeliveryAttempt> {
  // a fresh timestamp for every attempt: services that sign reject signatures older than about an hour
  const signed = adapter.signedRequest(options.webhookUrl, message, options.secret, (options.now ?? Date.now)());
  return sendRequest(adapter, { url: signed.url, body: signed.body }, options.timeoutMs);
}

/** One request to a chat service, with the headers it takes, and how it ended as the adapter reads the answer. */
export async function sendRequest(
  adapter: Pick<ChannelAdapter, 'name' | 'answerCode'>,
  request: { url: string; body: object; headers?: Record<string, string> },
  timeoutMs: number,
  /** The answer whole (a read list), rather than cut to what a record keeps. */
  wholeAnswer = false,
): Promise<DeliveryAttempt> {
  const kept = (value: unknown) => (wholeAnswer ? value : truncate(value));
  const started = Date.now();
  const service = adapter.name;
  const exchange = await post(new URL(request.url), JSON.stringify(request.body), timeoutMs, request.headers);
  const durationMs = Date.now() - started;
  if (exchange.kind === 'no-answer') {
    if (!exchange.written) return { result: 'not-sent', outcome: 'retryable', errmsg: `not sent: ${exchange.cause}`, durationMs };
    return {
      result: 'uncertain',
      outcome: 'uncertain',
      errmsg: `sent, and no answer came (${exchange.cause}): the group may show it`,
      durationMs,
    };
  }
  const status = exchange.response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    return {
      result: 'answered',
      outcome: 'permanent',
      httpStatus: status,
      errmsg: `${service} answered with a redirect (HTTP ${status}); not followed`,
      durationMs,
    };
  }
  const answer = exchange.kind === 'answer' ? readAnswer(adapter, status, exchange.text) : undefined;
  // the service says which statuses carry a code (Feishu answers errors with HTTP 400 and one): the code decides
  if (answer?.coded) {
    const { code, outcome, errmsg } = answer.coded;
    const coded = typeof code === 'number' ? { errcode: code, errmsg } : { code, errmsg: code === '' ? errmsg : `${code}: ${errmsg}` };
    return { result: 'answered', outcome, httpStatus: status, ...coded, durationMs, response: kept(answer.parsed) };
  }
  if (status !== 200) {
    return {
      result: 'answered',
      outcome: classifyHttpStatus(status),
      httpStatus: status,
      errmsg: `HTTP ${status} from ${service}`,
      durationMs,
    };
  }
  // a 200 whose body was cut off, unreadable or without a code may have been a success: the group may show it
  const unknownAnswer = (why: string, response?: unknown): DeliveryAttempt => ({
    result: 'uncertain',
    outcome: 'uncertain',
    httpStatus: 200,
    errmsg: `HTTP 200 ${why}: the group may show it`,
    durationMs,
    ...(response !== undefined && { response }),
  });
  if (exchange.kind === 'answer-cut') return unknownAnswer(`and the connection was lost mid-answer (${exchange.cause})`);
  if (answer?.parsed === undefined) return unknownAnswer(`with something other than JSON: ${exchange.text.slice(0, 100)}`);
  return unknownAnswer('without a code', truncate(answer.parsed));
}

/** An answer's JSON (undefined when it is not JSON) and, when it carries one, its code and what it means. */
function readAnswer(
  adapter: Pick<ChannelAdapter, 'answerCode'>,
  status: number,
  text: string,
): { parsed?: unknown; coded?: { code: number | string; outcome: DeliveryClass; errmsg: string } } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const coded: AnswerCode | undefined =
    typeof parsed === 'object' && parsed !== null ? adapter.answerCode(status, parsed as Record<string, unknown>) : undefined;
  if (!coded) return { parsed };
  return { parsed, coded: { code: coded.code, outcome: coded.outcome, errmsg: coded.message.slice(0, 500) } };
}

function truncate(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text.length <= maxResponseChars ? value : { truncated: text.slice(0, maxResponseChars) };
}
