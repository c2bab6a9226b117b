// Feishu / Lark custom bots: the body a rendered message becomes, its signature, limits and what its codes
// mean (docs/channels.md). A custom bot cannot upload pictures: a screenshot shows as a link.
import { createHmac } from 'node:crypto';
import { readOrigins, readRateWindow } from '../config';
import { classifyCode, credentialPattern, missingKeywords, textOf, type ChannelAdapter, type DeliveryClass } from './adapter';
import { actionCardButtons, messageBytes, withoutMentions, type AtSettings, type RenderedMessage } from './message';

type CardElement =
  | { tag: 'markdown'; content: string }
  | { tag: 'action'; actions: { tag: 'button'; text: { tag: 'plain_text'; content: string }; url: string; type: 'default' }[] };

export type FeishuMessage = (
  | { msg_type: 'text'; content: { text: string } }
  | {
      msg_type: 'interactive';
      card: { config: { wide_screen_mode: true }; header?: { title: { tag: 'plain_text'; content: string } }; elements: CardElement[] };
    }
) & { timestamp?: string; sign?: string };

/** Feishu refuses bodies over 20 KB. */
export const feishuMaxBodyBytes = 20 * 1024;

/** Room a signature adds to the body: `,"timestamp":"…","sign":"…"`. */
const signatureBytes = 80;

/** Feishu's signature: the key is `timestamp + "\n" + secret` and the message is empty (the reverse of DingTalk's). */
export function feishuSignature(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** The body with `timestamp` (seconds) and `sign` added when the bot has a signing secret. */
export function signedFeishuBody(message: FeishuMessage, secret: string | undefined, nowMs: number): FeishuMessage {
  if (!secret) return message;
  const timestamp = Math.floor(nowMs / 1000);
  return { ...message, timestamp: String(timestamp), sign: feishuSignature(secret, timestamp) };
}

/** Mentions fire as `<at user_id="ou_…"></at>` in the text; Feishu has no mention by mobile number. */
function mentionTags(mention: AtSettings | undefined): string {
  const tags = [
    ...(mention?.atUserIds ?? []).map((id) => `<at user_id="${id}"></at>`),
    ...(mention?.isAtAll ? ['<at user_id="all">所有人</at>'] : []),
  ];
  return tags.length === 0 ? '' : `\n${tags.join(' ')}`;
}

/**
 * Card markdown has no headings, and shows no picture without an image_key a custom bot cannot get: headings
 * become bold lines, pictures links to them.
 */
const cardMarkdown = (text: string) =>
  text
    .replace(/^#{1,6} +(.*)$/gm, '**$1**')
    .replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_all, alt: string, url: string) => `[🖼 ${alt || url}](${url})`);

function card(title: string, markdown: string, buttons: { title: string; url: string }[] = []): FeishuMessage {
  const actions = buttons.map((button) => ({
    tag: 'button' as const,
    text: { tag: 'plain_text' as const, content: button.title },
    url: button.url,
    type: 'default' as const,
  }));
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      ...(title && { header: { title: { tag: 'plain_text', content: title } } }),
      elements: [{ tag: 'markdown', content: markdown }, ...(actions.length > 0 ? [{ tag: 'action' as const, actions }] : [])],
    },
  };
}

/** The Feishu body for a rendered message. */
export function toFeishu(message: RenderedMessage): FeishuMessage {
  switch (message.msgtype) {
    case 'text':
      return { msg_type: 'text', content: { text: `${withoutMentions(message.text.content, message.at)}${mentionTags(message.at)}` } };
    case 'markdown':
      return card(message.markdown.title, `${cardMarkdown(withoutMentions(message.markdown.text, message.at))}${mentionTags(message.at)}`);
    case 'link':
      return card(message.link.title, `${message.link.text}${message.link.picUrl ? `\n[🖼](${message.link.picUrl})` : ''}`, [
        { title: '查看 View', url: message.link.messageUrl },
      ]);
    case 'actionCard': {
      const action = message.actionCard;
      return card(action.title, cardMarkdown(action.text), actionCardButtons(action));
    }
    case 'feedCard':
      return card('', message.feedCard.links.map((link) => `- [${link.title}](${link.messageURL})`).join('\n'));
  }
}

/** Every piece of text a person sees: Feishu's keyword check looks at these. */
export function feishuText(message: FeishuMessage): string {
  if (message.msg_type === 'text') return message.content.text;
  const parts = [message.card.header?.title.content ?? ''];
  for (const element of message.card.elements) {
    if (element.tag === 'markdown') parts.push(element.content);
    else parts.push(...element.actions.map((button) => button.text.content));
  }
  return parts.join('\n');
}

// 9499 and 11232: too fast. 19021 (signature or timestamp), 19022 (IP), 19024 (keyword), 19001-style
// parameter errors and the rest are final
const codes = { throttled: [9499, 11232] };

/** What a Feishu `code` means for the push, whatever the HTTP status; unknown codes are final. */
export const classifyFeishuCode = (code: number): DeliveryClass => classifyCode(code, codes);

const rateLimit = readRateWindow('FEISHU_RATE', '100/60');

export const feishu: ChannelAdapter<FeishuMessage> = {
  name: 'Feishu',
  target: 'webhook',
  allowedOrigins: readOrigins('FEISHU_ALLOWED_ORIGINS', ['https://open.feishu.cn', 'https://open.larksuite.com']),
  // 100 a minute and 5 a second per bot
  limit: { ...rateLimit, burst: readRateWindow('FEISHU_BURST', '5/1') },
  // how long 9499/11232 block is not documented: a webhook waits a window
  throttleCooldownMs: rateLimit.windowMs,
  rebuildWebhook: (url) => {
    const token = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!token || !credentialPattern.test(token))
      return { problem: 'must have the path /open-apis/bot/v2/hook/<token> (letters, digits, - and _)' };
    if (url.search) return { problem: 'must not carry a query string' };
    return `${url.origin}/open-apis/bot/v2/hook/${token}`;
  },
  secretProblem: () => undefined,
  toBody: toFeishu,
  check: (body, robot) => {
    const bytes = messageBytes(body);
    const problems =
      bytes + signatureBytes > feishuMaxBodyBytes
        ? [`The message is ${bytes} bytes; Feishu accepts a body of at most ${feishuMaxBodyBytes} bytes, signature included`]
        : [];
    problems.push(...missingKeywords(feishuText(body), robot, 'Feishu would reject it with code 19024'));
    return { bytes, problems };
  },
  previewWarnings: ({ rendered, report }) => [
    ...('at' in rendered && (rendered.at?.atMobiles?.length ?? 0) > 0
      ? ['Feishu bots cannot mention by mobile number: mention by user id (ou_…) instead; the mobiles are left out']
      : []),
    ...((report.images?.length ?? 0) > 0 ? ['A Feishu custom bot cannot upload pictures: the screenshots show as links'] : []),
  ],
  signedRequest: (url, body, secret, nowMs) => ({ url, body: signedFeishuBody(body, secret, nowMs) }),
  // errors come with HTTP 400 and their code too; older answers say StatusCode
  answerCode: (status, answer) => {
    const code = typeof answer.code === 'number' ? answer.code : answer.StatusCode;
    if ((status !== 200 && status !== 400) || typeof code !== 'number') return undefined;
    return { code, outcome: classifyFeishuCode(code), message: textOf(answer.msg ?? answer.StatusMessage) };
  },
  pictures: () => [],
  pictureBody: () => {
    throw new Error('A Feishu custom bot cannot upload pictures');
  },
};
