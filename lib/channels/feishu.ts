// Feishu / Lark custom bots: the body a rendered message becomes, its signature, limits and what its codes
// mean (docs/channels.md). A custom bot cannot upload pictures: a screenshot shows as a link.
import { createHmac } from 'node:crypto';
import { actionCardButtons, type AtSettings, type DingTalkMessage } from '../dingtalk/messages';
import { withoutMentions } from '../render/renderMessage';
import type { DeliveryClass } from '../dingtalk/errcodes';

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
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      ...(title && { header: { title: { tag: 'plain_text', content: title } } }),
      elements: [
        { tag: 'markdown', content: markdown },
        ...(buttons.length > 0
          ? [
              {
                tag: 'action' as const,
                actions: buttons.map((button) => ({
                  tag: 'button' as const,
                  text: { tag: 'plain_text' as const, content: button.title },
                  url: button.url,
                  type: 'default' as const,
                })),
              },
            ]
          : []),
      ],
    },
  };
}

/** The Feishu body for a message rendered from a channel-neutral template. */
export function toFeishu(message: DingTalkMessage): FeishuMessage {
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

const feishuThrottled = new Set([9499, 11232]);

/** What a Feishu `code` means for the push, whatever the HTTP status; unknown codes are final. */
export function classifyFeishuCode(code: number): DeliveryClass {
  if (code === 0) return 'ok';
  if (feishuThrottled.has(code)) return 'throttled';
  // 19021 (signature or timestamp), 19022 (IP), 19024 (keyword), 19001-style parameter errors and the rest
  return 'permanent';
}
