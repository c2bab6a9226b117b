// A strict local stand-in for the chat services' group robots. DingTalk's webhook: token, signature and
// timestamp window, keywords, size, msgtype shapes, per-robot rate limit with throttling, every error as
// HTTP 200 + errcode, and fault injection. WeCom's and Feishu's, as strict (their checks:
// scripts/chat-channels-simulated.ts); a robot registered for a service answers only on its path. Like
// the real services it has no idempotency key: every message it accepts is shown, twice if sent twice,
// including one whose answer it then drops. It keeps what it received.
//
// Used in-process by tests (startChatSimulator) and as a process by `npm start` (run this file).
import { DingTalkAppSimulator, type AppFault, type SimulatedApp } from './dingtalk-app-simulated';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  feishuAnswers,
  feishuMaxBodyBytes,
  feishuShapeProblem,
  feishuVisibleText,
  weComAnswers,
  weComPictureUrls,
  weComShapeProblem,
} from './chat-channels-simulated';

export type SimulatedChannel = 'dingtalk' | 'wecom' | 'feishu';

export interface SimulatedRobot {
  token: string;
  /** DingTalk unless told: the path it answers on (/robot/send, /cgi-bin/webhook/send, /open-apis/bot/v2/hook/<token>). */
  channel?: SimulatedChannel;
  secret?: string;
  keywords?: string[];
  /** Overrides the simulator's rate limit for this robot; null turns it off. */
  rateLimit?: { messages: number; windowMs: number } | null;
  /** Random faults for this robot, each a probability between 0 and 1. */
  faults?: FaultRates;
  /** Faults for this robot's next requests, in order, before the random ones apply. */
  nextFaults?: FaultKind[];
  /** How long a 'slow' fault holds this robot's answer (default: the simulator's slowMs). */
  slowMs?: number;
  /** Where a 'redirect' fault points (a sender must not follow it). */
  redirectTo?: string;
}

export interface ReceivedMessage {
  token: string;
  channel: SimulatedChannel;
  /** A WeCom image message: the md5 and size of the decoded bytes (the base64 is not kept). */
  image?: { md5: string; bytes: number };
  at: number;
  body: Record<string, unknown>;
  /** The body exactly as it arrived. */
  raw: string;
  /** Every picture URL in the message, fetched as a member's client would: loaded unless the group sees it broken. */
  images: ImageFetch[];
}

export interface ImageFetch {
  url: string;
  /** null until the fetch has ended. */
  loaded: boolean | null;
  status?: number;
  contentType?: string;
  bytes?: number;
  /** Why it was not fetched: the simulator reaches only this machine. */
  skipped?: string;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Picture URLs of a message: markdown `![..](url)`, a link's picUrl, a feed card's picURL. */
export function imageUrlsOf(body: Record<string, unknown>): string[] {
  const urls: string[] = [];
  const markdown = (body.markdown as { text?: unknown } | undefined)?.text;
  if (typeof markdown === 'string') for (const match of markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) urls.push(match[1]);
  const link = (body.link as { picUrl?: unknown } | undefined)?.picUrl;
  if (typeof link === 'string' && link !== '') urls.push(link);
  const feed = (body.feedCard as { links?: { picURL?: unknown }[] } | undefined)?.links ?? [];
  for (const item of feed) if (typeof item.picURL === 'string' && item.picURL !== '') urls.push(item.picURL);
  return urls;
}

/** An image loads when the answer is 200 with an image type and some bytes, as a DingTalk client needs. */
async function fetchImage(fetched: ImageFetch): Promise<void> {
  let host = '';
  try {
    host = new URL(fetched.url).hostname;
  } catch {
    fetched.loaded = false;
    return;
  }
  if (!loopbackHosts.has(host)) {
    fetched.skipped = 'not fetched: the simulator only reaches this machine';
    return;
  }
  try {
    // a redirect is not followed: it could lead off this machine (it counts as not loaded)
    const response = await fetch(fetched.url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    const bytes = Buffer.from(await response.arrayBuffer());
    Object.assign(fetched, {
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
      bytes: bytes.length,
    });
    fetched.loaded = response.status === 200 && /^image\//.test(fetched.contentType ?? '') && bytes.length > 0;
  } catch {
    fetched.loaded = false;
  }
}

export interface RequestLogEntry {
  token: string;
  /** True from arrival until answered (or dropped), so a test can act while a request is in flight. */
  pending: boolean;
  at: number;
  errcode: number | null;
  httpStatus: number;
  fault?: FaultKind;
}

export type FaultKind = 'http5xx' | 'slow' | 'reset' | 'throttle' | 'lost' | 'redirect';

export interface FaultRates {
  redirect?: number;
  http5xx?: number;
  slow?: number;
  reset?: number;
  throttle?: number;
  /** Accepted, then the connection is dropped before the answer. */
  lost?: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Messages per window per robot; DingTalk's is 20 per 60 s. */
  rateLimit?: { messages: number; windowMs: number } | null;
  /** How long a robot stays throttled after 130101 (DingTalk: about 10 minutes). */
  throttleMs?: number;
  /** Accept unknown tokens as robots without security settings (handy for `npm start`; tests stay strict). */
  autoRegister?: boolean;
  /** How long a 'slow' fault holds the answer. */
  slowMs?: number;
  /** Feishu bots' per-minute limit (100 a minute); their 5 a second always holds. */
  feishuRateLimit?: { messages: number; windowMs: number };
  log?: (line: string) => void;
}

const maxBodyBytes = 20_000;
const signatureWindowMs = 60 * 60 * 1000;

const answers = {
  ok: { errcode: 0, errmsg: 'ok' },
  tokenMissing: { errcode: 300001, errmsg: 'token is not exist' },
  tokenUnknown: { errcode: 400101, errmsg: 'access_token不存在' },
  signMissing: {
    errcode: 310000,
    errmsg: 'sign not match, more: [https://open.dingtalk.com/document/robots/customize-robot-security-settings]',
  },
  signMismatch: { errcode: 310000, errmsg: 'sign not match' },
  timestampExpired: { errcode: 310000, errmsg: 'invalid timestamp' },
  keywordsMissing: { errcode: 310000, errmsg: '关键词不匹配 keywords not in content' },
  tooLong: { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' },
  tooFast: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
  badJson: { errcode: 40035, errmsg: '缺少参数 json' },
  unsupported: { errcode: 400105, errmsg: '不支持的消息类型 unsupported msgtype' },
};

/** Each channel's answer to a sender over its rate limit. */
const tooFastOn: Record<SimulatedChannel, { errcode: number; errmsg: string }> = {
  dingtalk: answers.tooFast,
  wecom: weComAnswers.tooFast,
  feishu: feishuAnswers.tooFast,
};

export class ChatSimulator {
  readonly robots = new Map<string, SimulatedRobot>();
  /** DingTalk's app robot OpenAPI, on the same port (as api.dingtalk.com and oapi.dingtalk.com). */
  readonly app: DingTalkAppSimulator;
  readonly messages: ReceivedMessage[] = [];
  readonly requests: RequestLogEntry[] = [];
  private arrivals = new Map<string, number[]>();
  private throttledUntil = new Map<string, number>();
  private server: Server;
  /** A refusal's timer to listen again: cleared by close, so a closed simulator never listens again. */
  private relisten?: NodeJS.Timeout;
  url = '';

  constructor(private options: SimulatorOptions = {}) {
    // DingTalk's webhook window, 20 a minute per group, unless the simulator was told otherwise
    const rateLimit = options.rateLimit === undefined ? { messages: 20, windowMs: 60_000 } : options.rateLimit;
    this.app = new DingTalkAppSimulator({ rateLimit, slowMs: options.slowMs });
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  /** The webhook down hard: connections refused (open ones closed) for `ms`, then it listens again on its port. */
  async refuseConnectionsFor(ms: number): Promise<void> {
    const { port } = this.server.address() as AddressInfo;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    clearTimeout(this.relisten);
    this.relisten = setTimeout(() => this.server.listen(port, this.options.host ?? '127.0.0.1'), ms).unref();
  }

  async close(): Promise<void> {
    clearTimeout(this.relisten);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  registerRobot(robot: SimulatedRobot): string {
    this.robots.set(robot.token, robot);
    if (robot.channel === 'wecom') return `${this.url}/cgi-bin/webhook/send?key=${robot.token}`;
    if (robot.channel === 'feishu') return `${this.url}/open-apis/bot/v2/hook/${robot.token}`;
    return `${this.url}/robot/send?access_token=${robot.token}`;
  }

  setFaults(token: string, faults: { rates?: FaultRates; next?: FaultKind[] }): void {
    const robot = this.robots.get(token);
    if (!robot) throw new Error(`no simulated robot ${token}`);
    if (faults.rates) robot.faults = { ...faults.rates };
    if (faults.next) robot.nextFaults = [...(robot.nextFaults ?? []), ...faults.next];
  }

  messagesFor(token: string): ReceivedMessage[] {
    return this.messages.filter((message) => message.token === token);
  }

  requestsFor(token: string): RequestLogEntry[] {
    return this.requests.filter((request) => request.token === token);
  }

  reset(): void {
    this.messages.length = 0;
    this.requests.length = 0;
    this.arrivals.clear();
    this.throttledUntil.clear();
    this.robots.clear();
    this.app.reset();
  }

  private pickFault(token: string): FaultKind | undefined {
    const robot = this.robots.get(token);
    if (!robot) return undefined;
    const scripted = robot.nextFaults?.shift();
    if (scripted) return scripted;
    let roll = Math.random();
    for (const kind of ['http5xx', 'slow', 'reset', 'throttle', 'lost'] as FaultKind[]) {
      const rate = robot.faults?.[kind] ?? 0;
      if (roll < rate) return kind;
      roll -= rate;
    }
    return undefined;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const body = await readBody(request);
    if (url.pathname.startsWith('/_sim/apps')) return this.handleAppControl(request.method ?? 'GET', url, body, response);
    if (url.pathname.startsWith('/_sim/')) return this.handleControl(request.method ?? 'GET', url, body, response);
    if (await this.app.handle(request.method ?? 'GET', url, body, request, response)) return;
    const endpoint = endpointOf(url);
    if (!endpoint || request.method !== 'POST') {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>404 Not Found</body></html>');
      return;
    }
    const { channel, token } = endpoint;
    const fault = this.pickFault(token);
    const entry: RequestLogEntry = { token, pending: true, at: Date.now(), errcode: null, httpStatus: 0, ...(fault && { fault }) };
    this.requests.push(entry);
    const settle = (httpStatus: number, errcode: number | null) =>
      Object.assign(entry, { pending: false, at: Date.now(), httpStatus, errcode });
    const answer = (httpStatus: number, payload: { errcode: number; errmsg: string } | string) => {
      if (typeof payload === 'string') {
        settle(httpStatus, null);
        response.writeHead(httpStatus, { 'content-type': 'text/html' }).end(payload);
        return;
      }
      // Feishu says `code` and `msg`, and may send an error with HTTP 400: a sender must read the code
      const feishu = channel === 'feishu';
      const status = feishu && payload.errcode !== 0 ? 400 : httpStatus;
      settle(status, payload.errcode);
      const json = feishu ? { code: payload.errcode, msg: payload.errmsg, data: {} } : payload;
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (fault === 'reset') {
      settle(0, null);
      request.socket.destroy();
      return;
    }
    if (fault === 'http5xx') return answer(502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
    if (fault === 'redirect') {
      settle(302, null);
      response.writeHead(302, { location: this.robots.get(token)?.redirectTo ?? 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    }
    if (fault === 'throttle') return answer(200, tooFastOn[channel]);

    const result =
      channel === 'wecom'
        ? this.acceptWeCom(token, body)
        : channel === 'feishu'
          ? this.acceptFeishu(token, body)
          : this.accept(token, url, body);
    if (fault === 'lost') {
      // DingTalk took the message, and its answer never reached the sender
      settle(0, result.errcode);
      request.socket.destroy();
      return;
    }
    if (fault === 'slow') {
      // DingTalk may process a message and still answer too late: the sender sees a timeout.
      // unref: a held answer must not keep a closing process alive
      await new Promise((resolve) => setTimeout(resolve, this.robots.get(token)?.slowMs ?? this.options.slowMs ?? 10_000).unref());
      if (response.destroyed || request.socket.destroyed) {
        settle(0, result.errcode);
        return;
      }
    }
    answer(200, result);
  }

  /** The checks DingTalk makes, in its order; records the message when all pass. */
  private accept(token: string, url: URL, raw: Buffer): { errcode: number; errmsg: string } {
    if (!token) return answers.tokenMissing;
    let robot = this.robots.get(token);
    robot = robot ?? this.autoRegistered(token, 'dingtalk');
    if (!robot || (robot.channel ?? 'dingtalk') !== 'dingtalk') return answers.tokenUnknown;
    if (robot.secret) {
      const timestamp = url.searchParams.get('timestamp');
      const sign = url.searchParams.get('sign');
      if (!timestamp || !sign) return answers.signMissing;
      if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > signatureWindowMs) return answers.timestampExpired;
      const expected = createHmac('sha256', robot.secret).update(`${timestamp}\n${robot.secret}`).digest('base64');
      // searchParams has already URL-decoded once; a client that encoded twice still shows %2B etc. here
      if (!sameText(sign, expected)) return answers.signMismatch;
    }
    if (this.isThrottled(token)) return answers.tooFast;
    if (raw.length > maxBodyBytes) return answers.tooLong;
    const body = jsonObject(raw);
    if (!body) return answers.badJson;
    const shapeProblem = messageShapeProblem(body);
    if (shapeProblem) return shapeProblem;
    if (robot.keywords && robot.keywords.length > 0) {
      const text = visibleText(body);
      if (!robot.keywords.some((keyword) => text.includes(keyword))) return answers.keywordsMissing;
    }
    if (!this.takeRateSlot(robot)) return answers.tooFast;
    const images: ImageFetch[] = imageUrlsOf(body).map((url) => ({ url, loaded: null }));
    for (const image of images) void fetchImage(image);
    this.messages.push({ token, channel: 'dingtalk', at: Date.now(), body, raw: raw.toString('utf8'), images });
    this.options.log?.(`delivered ${String(body.msgtype)} to robot ${token.slice(0, 4)}****`);
    return answers.ok;
  }

  /** With `autoRegister` (npm start), an unknown well-formed token is a robot without security settings. */
  private autoRegistered(token: string, channel: SimulatedChannel): SimulatedRobot | undefined {
    if (!this.options.autoRegister || !/^[A-Za-z0-9_-]{1,256}$/.test(token)) return undefined;
    const robot = { token, channel };
    this.robots.set(token, robot);
    return robot;
  }

  /** WeCom's checks: the key, the JSON, the message type and its limits, the image's bytes and md5, the rate. */
  private acceptWeCom(token: string, raw: Buffer): { errcode: number; errmsg: string } {
    const robot = this.robots.get(token) ?? this.autoRegistered(token, 'wecom');
    if (!token || robot?.channel !== 'wecom') return weComAnswers.invalidKey;
    if (this.isThrottled(token)) return weComAnswers.tooFast;
    const body = jsonObject(raw);
    if (!body) return weComAnswers.badJson;
    const checked = weComShapeProblem(body);
    if ('errcode' in checked) return checked;
    if (!this.takeRateSlot(robot)) return weComAnswers.tooFast;
    const images: ImageFetch[] = weComPictureUrls(body).map((url) => ({ url, loaded: null }));
    for (const image of images) void fetchImage(image);
    this.messages.push({
      token,
      channel: 'wecom',
      at: Date.now(),
      body,
      raw: raw.toString('utf8'),
      images,
      ...(checked.image && { image: checked.image }),
    });
    this.options.log?.(`delivered WeCom ${String(body.msgtype)} to robot ${token.slice(0, 4)}****`);
    return weComAnswers.ok;
  }

  /** Feishu's checks: the hook token, the signature and its hour, the size, the shape, keywords, the rate. */
  private acceptFeishu(token: string, raw: Buffer): { errcode: number; errmsg: string } {
    const robot = this.robots.get(token) ?? this.autoRegistered(token, 'feishu');
    if (robot?.channel !== 'feishu') return feishuAnswers.tokenInvalid;
    if (raw.length > feishuMaxBodyBytes) return feishuAnswers.tooLarge;
    const body = jsonObject(raw);
    if (!body) return feishuAnswers.badJson;
    if (robot.secret) {
      const { timestamp, sign } = body;
      if (typeof timestamp !== 'string' || typeof sign !== 'string' || !/^\d+$/.test(timestamp)) return feishuAnswers.signMismatch;
      if (Math.abs(Date.now() / 1000 - Number(timestamp)) > signatureWindowMs / 1000) return feishuAnswers.signMismatch;
      const expected = createHmac('sha256', `${timestamp}\n${robot.secret}`).update('').digest('base64');
      if (!sameText(sign, expected)) return feishuAnswers.signMismatch;
    }
    const problem = feishuShapeProblem(body);
    if (problem) return problem;
    if (robot.keywords && robot.keywords.length > 0) {
      const text = feishuVisibleText(body);
      if (!robot.keywords.some((keyword) => text.includes(keyword))) return feishuAnswers.keywordsMissing;
    }
    if (this.isThrottled(token) || !this.takeRateSlot(robot)) return feishuAnswers.tooFast;
    this.messages.push({ token, channel: 'feishu', at: Date.now(), body, raw: raw.toString('utf8'), images: [] });
    this.options.log?.(`delivered Feishu ${String(body.msg_type)} to bot ${token.slice(0, 4)}****`);
    return feishuAnswers.ok;
  }

  private isThrottled(token: string): boolean {
    return (this.throttledUntil.get(token) ?? 0) > Date.now();
  }

  /** Sliding window over arrivals; going over throttles the robot, as DingTalk does. */
  private takeRateSlot(robot: SimulatedRobot): boolean {
    const token = robot.token;
    const feishu = robot.channel === 'feishu';
    // DingTalk's and WeCom's 20 a minute (as the simulator was told), Feishu's 100 a minute and 5 a second
    const limit =
      robot.rateLimit !== undefined
        ? robot.rateLimit
        : feishu
          ? (this.options.feishuRateLimit ?? { messages: 100, windowMs: 60_000 })
          : this.options.rateLimit === undefined
            ? { messages: 20, windowMs: 60_000 }
            : this.options.rateLimit;
    if (!limit) return true;
    const now = Date.now();
    const recent = (this.arrivals.get(token) ?? []).filter((at) => at > now - Math.max(limit.windowMs, feishu ? 1000 : 0));
    const inLastSecond = recent.filter((at) => at > now - 1000).length;
    if (recent.filter((at) => at > now - limit.windowMs).length >= limit.messages || (feishu && inLastSecond >= 5)) {
      this.throttledUntil.set(token, now + (this.options.throttleMs ?? 10 * 60_000));
      this.arrivals.set(token, recent);
      return false;
    }
    recent.push(now);
    this.arrivals.set(token, recent);
    return true;
  }

  private handleControl(method: string, url: URL, raw: Buffer, response: ServerResponse): void {
    const json = (status: number, payload: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    let body: Record<string, unknown> = {};
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      return json(400, { error: 'body is not JSON' });
    }
    const route = `${method} ${url.pathname}`;
    const token = url.searchParams.get('access_token');
    if (route === 'POST /_sim/robots') {
      if (typeof body.token !== 'string' || !body.token) return json(400, { error: 'token is required' });
      const webhookUrl = this.registerRobot(body as unknown as SimulatedRobot);
      return json(201, { webhookUrl });
    }
    if (route === 'GET /_sim/messages') return json(200, { items: token ? this.messagesFor(token) : this.messages });
    if (route === 'GET /_sim/stats') {
      // counts only, for load tools that would not want every message back
      const byErrcode: Record<string, number> = {};
      for (const entry of this.requests)
        byErrcode[String(entry.errcode ?? `http${entry.httpStatus}`)] =
          (byErrcode[String(entry.errcode ?? `http${entry.httpStatus}`)] ?? 0) + 1;
      return json(200, {
        requests: this.requests.length,
        messages: this.messages.length,
        distinctMessages: new Set(this.messages.map((m) => `${m.token}\n${m.raw}`)).size,
        byErrcode,
      });
    }
    if (route === 'GET /_sim/requests') return json(200, { items: token ? this.requestsFor(token) : this.requests });
    if (route === 'POST /_sim/faults') {
      if (!token || !this.robots.has(token)) return json(404, { error: 'register the robot first, then pass ?access_token=' });
      this.setFaults(token, body as { rates?: FaultRates; next?: FaultKind[] });
      return json(200, { faults: body });
    }
    if (route === 'POST /_sim/refuse') {
      const ms = Number(body.ms);
      if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000) return json(400, { error: 'ms must be an integer between 1 and 3600000' });
      json(200, { refusingForMs: ms });
      // after the answer has left: the control connection closes with the rest
      response.on('finish', () => void this.refuseConnectionsFor(ms));
      return;
    }
    if (route === 'POST /_sim/reset') {
      this.reset();
      return json(200, { reset: true });
    }
    json(404, { error: `no control route ${route}` });
  }

  /** The app API's control routes: register an app and its groups, read what groups got, reads, faults, callbacks. */
  private async handleAppControl(method: string, url: URL, raw: Buffer, response: ServerResponse): Promise<void> {
    const json = (status: number, payload: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const body = (raw.length > 0 ? jsonObject(raw) : {}) as Record<string, unknown> | undefined;
    if (!body) return json(400, { error: 'body is not a JSON object' });
    const route = `${method} ${url.pathname}`;
    const appKey = (url.searchParams.get('appKey') ?? body.appKey) as string | undefined;
    if (route === 'POST /_sim/apps') {
      if (!nonEmpty(body.appKey) || !nonEmpty(body.appSecret)) return json(400, { error: 'appKey and appSecret are required' });
      return json(201, this.app.registerApp(body as never));
    }
    if (route === 'GET /_sim/apps/messages')
      return json(200, {
        items: this.app.messages.filter(
          (message) =>
            (!appKey || message.appKey === appKey) &&
            (!url.searchParams.get('openConversationId') || message.openConversationId === url.searchParams.get('openConversationId')),
        ),
      });
    if (route === 'GET /_sim/apps/calls') return json(200, this.app.calls.get(appKey ?? '') ?? {});
    if (route === 'POST /_sim/apps/reads')
      return this.app.markRead(String(body.processQueryKey), body.userIds as string[])
        ? json(200, { read: true })
        : json(404, { error: 'no message with this processQueryKey' });
    if (route === 'POST /_sim/apps/expire-tokens') {
      this.app.expireTokens(appKey);
      return json(200, { expired: true });
    }
    const app = appKey ? this.app.apps.get(appKey) : undefined;
    if (!app) return json(404, { error: 'register the app first (POST /_sim/apps), then name its appKey' });
    if (route === 'POST /_sim/apps/faults') {
      app.nextFaults.push(...((body.next as AppFault[]) ?? []));
      if (body.rates) app.faultRates = body.rates as SimulatedApp['faultRates'];
      return json(200, { next: app.nextFaults, rates: app.faultRates ?? {} });
    }
    // with a url: sent there, as DingTalk sends it; without: the request DingTalk would send, for a test to send itself
    if (route === 'POST /_sim/apps/callback')
      return json(
        200,
        body.url
          ? await this.app.sendCallback(app.appKey, String(body.url), body as never)
          : this.app.callbackRequest(app.appKey, body as never),
      );
    json(404, { error: `no control route ${route}` });
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const nonEmpty = (value: unknown) => typeof value === 'string' && value.length > 0;

/** The body as a JSON object, or undefined when it is not one. */
function jsonObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(raw.toString('utf8'));
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The channel and robot token a webhook path names. */
function endpointOf(url: URL): { channel: SimulatedChannel; token: string } | undefined {
  if (url.pathname === '/robot/send') return { channel: 'dingtalk', token: url.searchParams.get('access_token') ?? '' };
  if (url.pathname === '/cgi-bin/webhook/send') return { channel: 'wecom', token: url.searchParams.get('key') ?? '' };
  const hook = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(url.pathname);
  return hook ? { channel: 'feishu', token: hook[1] } : undefined;
}

function messageShapeProblem(body: Record<string, unknown>): { errcode: number; errmsg: string } | undefined {
  const missing = (what: string) => ({ errcode: 40035, errmsg: `缺少参数 ${what}` });
  const part = body[String(body.msgtype)] as Record<string, unknown> | undefined;
  switch (body.msgtype) {
    case 'text':
      return nonEmpty(part?.content) ? undefined : missing('text.content');
    case 'markdown':
      return nonEmpty(part?.title) && nonEmpty(part?.text) ? undefined : missing('markdown.title/text');
    case 'link':
      return nonEmpty(part?.title) && nonEmpty(part?.text) && nonEmpty(part?.messageUrl)
        ? undefined
        : missing('link.title/text/messageUrl');
    case 'actionCard': {
      if (!nonEmpty(part?.title) || !nonEmpty(part?.text)) return missing('actionCard.title/text');
      const single = nonEmpty(part?.singleTitle) && nonEmpty(part?.singleURL);
      const buttons =
        Array.isArray(part?.btns) &&
        part.btns.length > 0 &&
        part.btns.every((b: Record<string, unknown>) => nonEmpty(b?.title) && nonEmpty(b?.actionURL));
      return single || buttons ? undefined : missing('actionCard.singleTitle/singleURL or btns');
    }
    case 'feedCard': {
      const links = part?.links;
      const valid =
        Array.isArray(links) &&
        links.length > 0 &&
        links.every((l: Record<string, unknown>) => nonEmpty(l?.title) && nonEmpty(l?.messageURL));
      return valid ? undefined : missing('feedCard.links');
    }
    default:
      return answers.unsupported;
  }
}

function visibleText(body: Record<string, unknown>): string {
  const part = (body[String(body.msgtype)] ?? {}) as Record<string, unknown>;
  const texts: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(part);
  return texts.join('\n');
}

export async function startChatSimulator(options: SimulatorOptions = {}): Promise<ChatSimulator> {
  const simulator = new ChatSimulator(options);
  await simulator.listen();
  return simulator;
}

if (require.main === module) {
  const port = Number(process.env.SIMULATOR_PORT ?? 4999);
  const rate = process.env.SIMULATOR_RATE_LIMIT ?? '20/60';
  const [messages, seconds] = rate.split('/').map(Number);
  startChatSimulator({
    port,
    rateLimit: rate === 'off' ? null : { messages, windowMs: seconds * 1000 },
    autoRegister: process.env.SIMULATOR_STRICT !== 'true',
    log: (line) => console.log(`[chat-simulator] ${line}`),
  }).then((simulator) => console.log(`[chat-simulator] listening on ${simulator.url}`));
}
