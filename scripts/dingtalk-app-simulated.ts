// DingTalk's app robot OpenAPI as the chat simulator speaks it (../docs/channels.md, "DingTalk app robots"):
// access tokens that expire, group sends with msgKey and a msgParam JSON string, recall, read status, media
// upload, the QPS-limit 403, and signed callbacks the simulator sends to a service. As strict as DingTalk's
// documentation and SDK models say, never kinder: an unknown token, robotCode, group, msgKey or media id is
// refused the way DingTalk refuses it.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An action card's fields with `buttons` buttons: actionTitle1, actionURL1, … */
const cardWithButtons = (buttons: number) => [
  'title',
  'text',
  ...Array.from({ length: buttons }, (_, index) => [`actionTitle${index + 1}`, `actionURL${index + 1}`]).flat(),
];

/** The msgKeys a group send takes, and the msgParam fields each requires (the SDK models' catalogue). */
export const msgParamFields: Record<string, readonly string[]> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleImageMsg: ['photoURL'],
  sampleLink: ['text', 'title', 'picUrl', 'messageUrl'],
  sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
  sampleActionCard2: cardWithButtons(2),
  sampleActionCard3: cardWithButtons(3),
  sampleActionCard4: cardWithButtons(4),
  sampleActionCard5: cardWithButtons(5),
};

const maxMsgParamBytes = 15_000;
/** DingTalk's token lifetime. */
const tokenLifetimeSeconds = 7200;
const callbackFreshnessMs = 60 * 60 * 1000;

export type AppFault = 'qpsLimit' | 'http5xx' | 'reset' | 'lost' | 'slow' | 'notReady';

export interface SimulatedApp {
  appKey: string;
  appSecret: string;
  robotCode: string;
  /** The groups the app's robot is in: openConversationId → title. */
  groups: Record<string, string>;
  nextFaults: AppFault[];
  /** Its groups' rate limit, when not the simulator's (null: none, for a benchmark of the pipeline). */
  rateLimit?: { messages: number; windowMs: number } | null;
  /** Each send's chance of each fault, as the webhook robots' fault mix. */
  faultRates?: Partial<Record<'qpsLimit' | 'http5xx' | 'reset' | 'lost' | 'slow', number>>;
}

export interface AppMessage {
  appKey: string;
  openConversationId: string;
  processQueryKey: string;
  msgKey: string;
  msgParam: Record<string, unknown>;
  at: number;
  recalled: boolean;
  readUserIds: string[];
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const error = (status: number, code: string, message: string): Answer => ({
  status,
  body: { code, message, requestid: randomBytes(8).toString('hex').toUpperCase() },
});
const invalidAuthentication = () => error(400, 'InvalidAuthentication', '不合法的access_token');

export class DingTalkAppSimulator {
  readonly apps = new Map<string, SimulatedApp>();
  readonly messages: AppMessage[] = [];
  /** What each app was asked, counted: token fetches above all (DingTalk rate-limits them). */
  readonly calls = new Map<string, Record<string, number>>();
  private tokens = new Map<string, { appKey: string; expiresAt: number }>();
  private media = new Map<string, { appKey: string; md5: string; bytes: number }>();
  private sends = new Map<string, number[]>();

  constructor(
    private options: { rateLimit?: { messages: number; windowMs: number } | null; tokenLifetimeSeconds?: number; slowMs?: number } = {},
  ) {}

  /** The next scripted fault, else one drawn from the app's rates. */
  private pickFault(app: SimulatedApp): AppFault | undefined {
    const scripted = app.nextFaults.shift();
    if (scripted) return scripted;
    let roll = Math.random();
    for (const [kind, rate] of Object.entries(app.faultRates ?? {})) {
      if (roll < (rate ?? 0)) return kind as AppFault;
      roll -= rate ?? 0;
    }
    return undefined;
  }

  registerApp(app: { appKey: string; appSecret: string; robotCode?: string; groups?: Record<string, string> }): SimulatedApp {
    const registered = { robotCode: app.appKey, groups: {}, nextFaults: [], ...app };
    this.apps.set(app.appKey, registered);
    return registered;
  }

  /** Every token issued so far stops working (as 7,200 s later). */
  expireTokens(appKey?: string): void {
    for (const [token, issued] of this.tokens) if (!appKey || issued.appKey === appKey) this.tokens.delete(token);
  }

  reset(): void {
    this.apps.clear();
    this.messages.length = 0;
    this.calls.clear();
    this.tokens.clear();
    this.media.clear();
    this.sends.clear();
  }

  /** Answers an OpenAPI request if it is one; false for any other path. */
  async handle(method: string, url: URL, raw: Buffer, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const route = `${method} ${url.pathname}`;
    const routes: Record<string, () => Answer | 'dropped' | Promise<Answer>> = {
      'POST /v1.0/oauth2/accessToken': () => this.accessToken(raw),
      'POST /v1.0/robot/groupMessages/send': () => this.send(request, raw),
      'POST /v1.0/robot/groupMessages/recall': () => this.recall(request, raw),
      'POST /v1.0/robot/groupMessages/query': () => this.query(request, raw),
      'POST /media/upload': () => this.upload(url, raw, request.headers['content-type'] ?? ''),
    };
    const handler = routes[route];
    if (!handler) return false;
    const answer = await handler();
    if (answer === 'dropped') {
      request.socket.destroy();
      return true;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    return true;
  }

  private count(appKey: string, call: string): void {
    const counts = this.calls.get(appKey) ?? {};
    counts[call] = (counts[call] ?? 0) + 1;
    this.calls.set(appKey, counts);
  }

  private accessToken(raw: Buffer): Answer {
    const body = jsonOf(raw);
    const app = typeof body?.appKey === 'string' ? this.apps.get(body.appKey) : undefined;
    if (app) this.count(app.appKey, 'accessToken');
    if (!app || body?.appSecret !== app.appSecret) return error(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    const token = randomBytes(16).toString('hex');
    const lifetime = this.options.tokenLifetimeSeconds ?? tokenLifetimeSeconds;
    this.tokens.set(token, { appKey: app.appKey, expiresAt: Date.now() + lifetime * 1000 });
    return { status: 200, body: { accessToken: token, expireIn: lifetime } };
  }

  /** The app a live token belongs to. */
  private appOfToken(token: string | undefined): SimulatedApp | undefined {
    const issued = token ? this.tokens.get(token) : undefined;
    if (!issued || issued.expiresAt <= Date.now()) return undefined;
    return this.apps.get(issued.appKey);
  }

  /** The app, robot and group of a robot API call, or DingTalk's refusal. */
  private robotCall(request: IncomingMessage, raw: Buffer, call: string): { app: SimulatedApp; body: Record<string, unknown> } | Answer {
    const app = this.appOfToken(request.headers['x-acs-dingtalk-access-token'] as string | undefined);
    if (!app) return invalidAuthentication();
    this.count(app.appKey, call);
    const body = jsonOf(raw);
    if (!body) return error(400, 'invalidParameter.body.invalid', 'body is not a JSON object');
    if (body.robotCode !== app.robotCode) return error(400, 'invalidParameter.robotCode.auth', 'robotCode does not belong to this app');
    if (typeof body.openConversationId !== 'string' || !(body.openConversationId in app.groups))
      return error(400, 'invalidParameter.robotCode.notExsit', 'the robot is not in this group');
    return { app, body };
  }

  private send(request: IncomingMessage, raw: Buffer): Answer | 'dropped' | Promise<Answer> {
    const call = this.robotCall(request, raw, 'send');
    if ('status' in call) return call;
    const { app, body } = call;
    const fault = this.pickFault(app);
    if (fault === 'qpsLimit') return error(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 'QPS limit exceeded');
    if (fault === 'http5xx') return error(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.');
    if (fault === 'reset') return 'dropped';
    const fields = typeof body.msgKey === 'string' ? msgParamFields[body.msgKey] : undefined;
    if (!fields) return error(400, 'invalidParameter.msgKey.invalid', `msgKey ${String(body.msgKey)} is not supported`);
    if (typeof body.msgParam !== 'string') return error(400, 'invalidParameter.msgParam.invalid', 'msgParam must be a JSON string');
    if (Buffer.byteLength(body.msgParam) > maxMsgParamBytes)
      return error(400, 'invalidParameter.msgParam.invalid', `msgParam is over ${maxMsgParamBytes} bytes`);
    const msgParam = jsonOf(Buffer.from(body.msgParam));
    const missing = fields.filter((field) => typeof msgParam?.[field] !== 'string' || msgParam[field] === '');
    if (!msgParam || missing.length > 0)
      return error(400, 'invalidParameter.msgParam.invalid', `msgParam lacks ${missing.join(', ') || 'its fields'}`);
    if (body.msgKey === 'sampleImageMsg' && !this.showable(app, String(msgParam.photoURL)))
      return error(400, 'invalidParameter.msgParam.invalid', 'photoURL is neither a media_id of this app nor an http(s) URL');
    if (!this.withinRate(app, body.openConversationId as string))
      return error(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 'QPS limit exceeded');
    const message: AppMessage = {
      appKey: app.appKey,
      openConversationId: body.openConversationId as string,
      processQueryKey: randomBytes(24).toString('base64url'),
      msgKey: body.msgKey as string,
      msgParam,
      at: Date.now(),
      recalled: false,
      readUserIds: [],
    };
    this.messages.push(message);
    // taken, and the answer lost on the way back, or late past a sender's patience
    if (fault === 'lost') return 'dropped';
    const answer = { status: 200, body: { processQueryKey: message.processQueryKey } };
    if (fault === 'slow') return new Promise((resolve) => setTimeout(() => resolve(answer), this.options.slowMs ?? 3000));
    return answer;
  }

  private showable(app: SimulatedApp, photoURL: string): boolean {
    if (/^https?:\/\//.test(photoURL)) return true;
    return this.media.get(photoURL)?.appKey === app.appKey;
  }

  private withinRate(app: SimulatedApp, group: string): boolean {
    const limit = app.rateLimit !== undefined ? app.rateLimit : this.options.rateLimit;
    if (!limit) return true;
    const now = Date.now();
    const recent = (this.sends.get(group) ?? []).filter((at) => at > now - limit.windowMs);
    if (recent.length >= limit.messages) return false;
    this.sends.set(group, [...recent, now]);
    return true;
  }

  private recall(request: IncomingMessage, raw: Buffer): Answer {
    const call = this.robotCall(request, raw, 'recall');
    if ('status' in call) return call;
    const keys = call.body.processQueryKeys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > 20)
      return error(400, 'invalidParameter.processQueryKeys.invalid', 'processQueryKeys must list 1 to 20 keys');
    const successResult: string[] = [];
    const failedResult: Record<string, string> = {};
    for (const key of keys) {
      const message = this.messages.find(
        (candidate) => candidate.processQueryKey === key && candidate.openConversationId === call.body.openConversationId,
      );
      if (!message) failedResult[String(key)] = 'message not found';
      else if (message.recalled) failedResult[String(key)] = 'message already recalled';
      else {
        message.recalled = true;
        successResult.push(String(key));
      }
    }
    return { status: 200, body: { successResult, failedResult } };
  }

  private query(request: IncomingMessage, raw: Buffer): Answer {
    const call = this.robotCall(request, raw, 'query');
    if ('status' in call) return call;
    const { app, body } = call;
    if (app.nextFaults[0] === 'notReady') {
      app.nextFaults.shift();
      return error(400, 'processQueryKey.expireTime', 'the read status is not ready yet; ask again later');
    }
    const message = this.messages.find((candidate) => candidate.processQueryKey === body.processQueryKey);
    if (!message || message.openConversationId !== body.openConversationId)
      return error(400, 'invalidParameter.processQueryKey.invalid', 'no message with this processQueryKey in this group');
    const maxResults = Number(body.maxResults ?? 200);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 200)
      return error(400, 'invalidParameter.maxResults.invalid', 'maxResults must be 1 to 200');
    const start = body.nextToken ? Number(body.nextToken) : 0;
    const readUserIds = message.readUserIds.slice(start, start + maxResults);
    const hasMore = start + maxResults < message.readUserIds.length;
    return {
      status: 200,
      body: {
        sendStatus: message.recalled ? 'RECALLED' : 'SUCCESS',
        readUserIds,
        hasMore,
        ...(hasMore && { nextToken: String(start + maxResults) }),
      },
    };
  }

  private upload(url: URL, raw: Buffer, contentType: string): Answer {
    const app = this.appOfToken(url.searchParams.get('access_token') ?? undefined);
    // the older oapi host answers errcode, with HTTP 200
    if (!app) return { status: 200, body: { errcode: 40014, errmsg: '不合法的access_token' } };
    this.count(app.appKey, 'upload');
    if (url.searchParams.get('type') !== 'image') return { status: 200, body: { errcode: 40004, errmsg: '不合法的媒体文件类型' } };
    const part = multipartFile(raw, contentType, 'media');
    if (!part || part.length === 0) return { status: 200, body: { errcode: 41001, errmsg: '缺少media参数' } };
    if (part.length > 20 * 1024 * 1024) return { status: 200, body: { errcode: 40006, errmsg: '不合法的文件大小' } };
    const mediaId = `@lADP${randomBytes(18).toString('base64url')}`;
    this.media.set(mediaId, { appKey: app.appKey, md5: createHash('md5').update(part).digest('hex'), bytes: part.length });
    return { status: 200, body: { errcode: 0, errmsg: 'ok', media_id: mediaId, type: 'image', created_at: Date.now() } };
  }

  mediaOf(mediaId: string) {
    return this.media.get(mediaId);
  }

  /** Someone read a message: its read list grows, as DingTalk's clients report reads. */
  markRead(processQueryKey: string, userIds: string[]): boolean {
    const message = this.messages.find((candidate) => candidate.processQueryKey === processQueryKey);
    if (!message) return false;
    for (const userId of userIds) if (!message.readUserIds.includes(userId)) message.readUserIds.push(userId);
    return true;
  }

  /**
   * What DingTalk POSTs to an app's message URL when someone @-mentions its robot in a group, signed with the
   * app's secret (`stale`: a timestamp over an hour old; `badSign`: a signature of another secret).
   */
  callbackRequest(
    appKey: string,
    message: { openConversationId: string; title: string; text?: string; stale?: boolean; badSign?: boolean; conversationType?: string },
  ): { headers: Record<string, string>; body: string } {
    const app = this.apps.get(appKey);
    if (!app) throw new Error(`no simulated app ${appKey}`);
    app.groups[message.openConversationId] = message.title;
    const timestamp = String(Date.now() - (message.stale ? callbackFreshnessMs + 60_000 : 0));
    const secret = message.badSign ? `${app.appSecret}x` : app.appSecret;
    const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
    return {
      headers: { 'content-type': 'application/json', timestamp, sign },
      body: JSON.stringify({
        conversationId: message.openConversationId,
        conversationType: message.conversationType ?? '2',
        conversationTitle: message.title,
        robotCode: app.robotCode,
        chatbotCorpId: 'ding-simulated-corp',
        senderNick: 'Li Lei',
        senderStaffId: 'staff-001',
        msgtype: 'text',
        text: { content: message.text ?? ' register' },
        isInAtList: true,
        sessionWebhook: 'http://127.0.0.1:1/robot/sendBySession?session=simulated',
        sessionWebhookExpiredTime: Date.now() + 3_600_000,
      }),
    };
  }

  /** Sends the callback to the app's message URL, as DingTalk does, and says what it answered. */
  async sendCallback(appKey: string, target: string, message: Parameters<DingTalkAppSimulator['callbackRequest']>[1]) {
    const request = this.callbackRequest(appKey, message);
    const answer = await fetch(target, { method: 'POST', headers: request.headers, body: request.body });
    return { status: answer.status, body: await answer.text() };
  }
}

function jsonOf(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The bytes of a multipart/form-data file part by name. */
function multipartFile(raw: Buffer, contentType: string, name: string): Buffer | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = raw.indexOf(delimiter);
  while (start !== -1) {
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (next === -1) return undefined;
    const part = raw.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    if (new RegExp(`name="${name}"`).test(headers)) return part.subarray(headerEnd + 4, part.length - 2);
    start = next;
  }
  return undefined;
}
