// DingTalk (钉钉) custom group robots: the rendered message is already DingTalk's body. Signing ("加签"),
// its limits and what its errcodes mean (docs/channels.md).
import { createHmac } from 'node:crypto';
import { readInteger, readOrigins, readRateWindow } from '../config';
import {
  classifyCode,
  errcodeAnswer,
  missingKeywords,
  rebuildQueryWebhook,
  type ChannelAdapter,
  type DeliveryClass,
  type MessageCheck,
  type PreviewContext,
  type RobotDeliverySettings,
} from './adapter';
import { messageBytes, visibleText, type RenderedMessage } from './message';

export type DingTalkMessage = RenderedMessage;

/** DingTalk rejects bodies over this many bytes with errcode 460101. */
export const maxMessageBytes = 20_000;

/** The raw base64 signature, before URL encoding: HmacSHA256(secret, timestamp + "\n" + secret). */
export function signature(secret: string, timestampMs: number | string): string {
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

const codes = {
  throttled: [130101, 410100],
  // 310000 (security), 300001/300005/400xxx (token, robot, group), 430xxx (content), 460101 (size) and every
  // code we do not know: retrying would only repeat the same answer
};

export const classifyErrcode = (errcode: number): DeliveryClass => classifyCode(errcode, codes);

/** Checks DingTalk applies on arrival (size, keywords), done before sending so the failure names its cause. */
export function checkMessage(message: DingTalkMessage, robot: RobotDeliverySettings = {}): MessageCheck {
  const bytes = messageBytes(message);
  const problems =
    bytes > maxMessageBytes ? [`The message is ${bytes} bytes; DingTalk accepts at most ${maxMessageBytes}. ${largestPart(message)}`] : [];
  problems.push(...missingKeywords(visibleText(message), robot, 'DingTalk would reject it with errcode 310000'));
  return { bytes, problems };
}

function largestPart(message: DingTalkMessage): string {
  const body = message as unknown as Record<string, Record<string, unknown>>;
  let largest = { field: '', bytes: 0 };
  for (const [field, value] of Object.entries(body[message.msgtype] ?? {})) {
    const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (size > largest.bytes) largest = { field, bytes: size };
  }
  return largest.field ? `Largest part: ${message.msgtype}.${largest.field} (${largest.bytes} bytes).` : '';
}

function previewWarnings({ template, check, robot }: PreviewContext): string[] {
  const warnings: string[] = [];
  if (check.bytes > maxMessageBytes * 0.9 && check.bytes <= maxMessageBytes)
    warnings.push(`The message is ${check.bytes} bytes, close to DingTalk's limit of ${maxMessageBytes}; larger data will be refused`);
  if (template.msgType === 'markdown' && template.text)
    for (const mobile of robot?.mention?.atMobiles ?? [])
      if (!template.text.includes(`@${mobile}`))
        warnings.push(
          `The markdown text does not mention @${mobile}; dingpush appends it so the mention fires, but you may want to place it yourself`,
        );
  return warnings;
}

export const dingtalk: ChannelAdapter<DingTalkMessage> = {
  name: 'DingTalk',
  target: 'webhook',
  allowedOrigins: readOrigins('DINGTALK_ALLOWED_ORIGINS', ['https://oapi.dingtalk.com', 'https://oapi.dingtalk.io']),
  limit: readRateWindow('DINGTALK_RATE', '20/60'),
  // DingTalk blocks a robot that sent too fast for 10 minutes
  throttleCooldownMs: readInteger('DINGTALK_COOLDOWN_SECONDS', 600, 0, 86_400) * 1000,
  rebuildWebhook: (url) => rebuildQueryWebhook(url, '/robot/send', 'access_token'),
  secretProblem: (secret) =>
    /^SEC[A-Za-z0-9]{8,200}$/.test(secret) ? undefined : 'must be the DingTalk signing secret: SEC and 8 to 200 letters and digits',
  toBody: (message) => message,
  check: checkMessage,
  previewWarnings,
  signedRequest: (webhookUrl, body, secret, nowMs) => ({ url: signedWebhookUrl(webhookUrl, secret, nowMs), body }),
  answerCode: errcodeAnswer(classifyErrcode),
  // pictures travel inside the message, as the URLs the event's screenshots are served at
  pictures: () => [],
  pictureBody: () => {
    throw new Error('DingTalk robots take no picture messages');
  },
};
