// What dingpush needs to know of a chat service, in one record per service (dingtalk.ts, wecom.ts,
// feishu.ts; the registry in index.ts). Nothing outside lib/channels/ names a service: it asks the adapter.
import type { AtSettings, RenderedMessage } from './message';

/** What an answer means for the push: sent, throttled (wait, then retry), worth retrying, or final. */
export type DeliveryClass = 'ok' | 'throttled' | 'retryable' | 'permanent';

/** A rate window: `messages` per `windowMs`, spaced by `marginMs` because the service counts on its own clock. */
export interface RateWindow {
  messages: number;
  windowMs: number;
  marginMs: number;
}

/** A service's rate limit per webhook, and a shorter `burst` window on top where it has one. */
export interface SendWindowLimit extends RateWindow {
  burst?: RateWindow;
}

/** What of a robot shapes its messages. */
export interface RobotDeliverySettings {
  keywords?: string[];
  mention?: AtSettings;
}

/** A report screenshot as a push carries it (schemas/event.ts): `id` when its bytes are stored here. */
export interface Screenshot {
  id?: string;
  name: string;
  contentType?: string;
  bytes?: number;
}

/** What a service would refuse (said before sending, so the failure names its cause), and the body's size. */
export interface MessageCheck {
  bytes: number;
  problems: string[];
}

/** A code read from an answer, and what it means. */
export interface AnswerCode {
  /** A number (an errcode) for most services; a word for DingTalk's OpenAPI (`InvalidAuthentication`). */
  code: number | string;
  outcome: DeliveryClass;
  message: string;
}

/** What a preview warns of: the body is still sent, but shows differently from the template's intent. */
export interface PreviewContext {
  template: { msgType: string; text?: string };
  rendered: RenderedMessage;
  check: MessageCheck;
  report: { images?: unknown[] };
  robot?: RobotDeliverySettings;
}

/**
 * One chat service. Methods (not function properties) so each adapter can name its own body type and still
 * stand in the registry for any body.
 */
export interface ChannelAdapter<Body extends object = object> {
  /** As people write it: DingTalk, WeCom, Feishu. */
  readonly name: string;
  /** How its robots reach a group: a webhook URL (with a secret where it signs), or an app's credentials and the group's id. */
  readonly target: 'webhook' | 'app';
  /** The origins its webhooks may point at (nothing else is ever posted to). */
  readonly allowedOrigins: string[];
  readonly limit: SendWindowLimit;
  /** How long a webhook the service answered "too fast" stays silent. */
  readonly throttleCooldownMs: number;
  /** The webhook URL rebuilt from its path and credential alone, or what is wrong with it. */
  rebuildWebhook(url: URL): string | { problem: string };
  /** What is wrong with a signing secret for this service, if anything. */
  secretProblem(secret: string): string | undefined;
  toBody(message: RenderedMessage): Body;
  check(body: Body, robot: RobotDeliverySettings): MessageCheck;
  previewWarnings(context: PreviewContext): string[];
  /** The request for one attempt: a fresh timestamp and signature each time, where the service signs. */
  signedRequest(webhookUrl: string, body: Body, secret: string | undefined, nowMs: number): { url: string; body: Body };
  /** The code an answer with this HTTP status carries, when it carries one. */
  answerCode(httpStatus: number, answer: Record<string, unknown>): AnswerCode | undefined;
  /** Screenshots that follow a push as messages of their own, one a slot (empty where pictures travel as links). */
  pictures(images: Screenshot[] | undefined): (Screenshot & { id: string })[];
  /** The message for one such picture: its stored bytes, and its id where the service takes pictures by reference. */
  pictureBody(picture: { id: string; bytes: Buffer }): Body;
  /** What the service calls a message it took (an app robot's processQueryKey), to recall it or ask who read it later. */
  messageKey?(answer: unknown): string | undefined;
}

/** 5xx and 429 are worth another try; any other status without a code is final. */
export function classifyHttpStatus(status: number): DeliveryClass {
  if (status >= 500 || status === 429) return 'retryable';
  return 'permanent';
}

/** `codes`: the service's throttled and retryable codes; 0 is success and every other code is final. */
export function classifyCode(code: number, codes: { throttled: number[]; retryable?: number[] }): DeliveryClass {
  if (code === 0) return 'ok';
  if (codes.throttled.includes(code)) return 'throttled';
  if (codes.retryable?.includes(code)) return 'retryable';
  return 'permanent';
}

/** The keyword problem, when a robot has keywords and the text has none of them. */
export function missingKeywords(text: string, robot: RobotDeliverySettings, refusal: string): string[] {
  const keywords = robot.keywords ?? [];
  if (keywords.length === 0 || keywords.some((keyword) => text.includes(keyword))) return [];
  return [`The message contains none of the robot's keywords (${keywords.join(', ')}); ${refusal}`];
}

/** An answer's message field as text ('' when it sent none). */
export const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Answers that carry `errcode` and `errmsg` on HTTP 200 (DingTalk's, WeCom's), read with the service's classification. */
export const errcodeAnswer =
  (classify: (errcode: number) => DeliveryClass) =>
  (status: number, answer: Record<string, unknown>): AnswerCode | undefined =>
    status === 200 && typeof answer.errcode === 'number'
      ? { code: answer.errcode, outcome: classify(answer.errcode), message: textOf(answer.errmsg) }
      : undefined;

/** A path and query credential: letters, digits, - and _. */
export const credentialPattern = /^[A-Za-z0-9_-]{1,256}$/;

/** A webhook whose credential is one query parameter on a fixed path (DingTalk's access_token, WeCom's key). */
export function rebuildQueryWebhook(url: URL, path: string, parameter: string): string | { problem: string } {
  if (url.pathname !== path) return { problem: `must have the path ${path}` };
  const values = url.searchParams.getAll(parameter);
  if (values.length !== 1 || !credentialPattern.test(values[0]))
    return { problem: `must carry exactly one ${parameter} query parameter (letters, digits, - and _)` };
  // anything else on the URL (DingTalk's timestamp and sign are added per request) is dropped
  return `${url.origin}${path}?${parameter}=${values[0]}`;
}
