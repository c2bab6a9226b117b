// WeCom (企业微信) group robots: the body a rendered message becomes, its limits and what its errcodes mean
// (docs/channels.md). The `key` in the webhook URL is the only credential: there is no signing.
import { createHash } from 'node:crypto';
import { readOrigins, readRateWindow } from '../config';
import { classifyCode, errcodeAnswer, rebuildQueryWebhook, type ChannelAdapter, type DeliveryClass, type Screenshot } from './adapter';
import { actionCardButtons, messageBytes, withoutMentions, type AtSettings, type RenderedMessage } from './message';

/** A screenshot itself: base64 and md5 (hex) of the bytes, JPG or PNG, at most 2 MB before encoding. */
export type WeComImageMessage = { msgtype: 'image'; image: { base64: string; md5: string } };

export type WeComMessage =
  | { msgtype: 'text'; text: { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'news'; news: { articles: { title: string; description?: string; url: string; picurl?: string }[] } }
  | WeComImageMessage;

/** WeCom's own byte limits on the text it shows (answered 40058 when over). */
export const weComLimits = { text: 2048, markdown: 4096, imageBytes: 2 * 1024 * 1024, articles: 8 } as const;

/** Markdown pictures cannot show in WeCom markdown: each becomes a link to the picture (its image message carries it). */
const asLinks = (text: string) =>
  text.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_all, alt: string, url: string) => `[${alt || url}](${url})`);

/** Mentions in markdown fire only as `<@userid>` in the text; mobiles cannot be mentioned there. */
function markdownMentions(mention: AtSettings | undefined): string {
  const handles = [...(mention?.atUserIds ?? []).map((id) => `<@${id}>`), ...(mention?.isAtAll ? ['<@all>'] : [])];
  return handles.length === 0 ? '' : `\n\n${handles.join(' ')}`;
}

/** The WeCom body for a rendered message. */
export function toWeCom(message: RenderedMessage): WeComMessage {
  switch (message.msgtype) {
    case 'text': {
      const at = message.at;
      const mentioned = [...(at?.atUserIds ?? []), ...(at?.isAtAll ? ['@all'] : [])];
      const mobiles = at?.atMobiles ?? [];
      return {
        msgtype: 'text',
        text: {
          content: withoutMentions(message.text.content, at),
          ...(mentioned.length > 0 && { mentioned_list: mentioned }),
          ...(mobiles.length > 0 && { mentioned_mobile_list: mobiles }),
        },
      };
    }
    case 'markdown': {
      const text = asLinks(withoutMentions(message.markdown.text, message.at));
      return { msgtype: 'markdown', markdown: { content: `${text}${markdownMentions(message.at)}` } };
    }
    case 'link': {
      const { title, text, messageUrl, picUrl } = message.link;
      return { msgtype: 'news', news: { articles: [{ title, description: text, url: messageUrl, ...(picUrl && { picurl: picUrl }) }] } };
    }
    case 'actionCard': {
      const card = message.actionCard;
      const links = actionCardButtons(card)
        .map((button) => `[${button.title}](${button.url})`)
        .join('  ');
      return { msgtype: 'markdown', markdown: { content: `**${card.title}**\n${asLinks(card.text)}\n\n${links}` } };
    }
    case 'feedCard': {
      const articles = message.feedCard.links.map((link) => ({
        title: link.title,
        url: link.messageURL,
        ...(link.picURL && { picurl: link.picURL }),
      }));
      return { msgtype: 'news', news: { articles } };
    }
  }
}

/**
 * The screenshots a WeCom group gets as image messages of their own, after the push's message: those stored
 * here as JPG or PNG of at most 2 MB (a GIF, a larger one or one given by URL stays a link in the text).
 */
export function weComPictures<Image extends Screenshot>(images: Image[] | undefined): (Image & { id: string })[] {
  return (images ?? []).filter(
    (image): image is Image & { id: string } =>
      Boolean(image.id) &&
      (image.contentType === 'image/png' || image.contentType === 'image/jpeg') &&
      (image.bytes ?? Infinity) <= weComLimits.imageBytes,
  );
}

/** The image message for a picture's bytes: base64 and the md5 (hex) of the bytes. */
export function weComImageMessage(bytes: Buffer): WeComImageMessage {
  return { msgtype: 'image', image: { base64: bytes.toString('base64'), md5: createHash('md5').update(bytes).digest('hex') } };
}

/** What WeCom would refuse, said before sending. */
export function weComProblems(message: WeComMessage): string[] {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  switch (message.msgtype) {
    case 'text':
      return bytes(message.text.content) > weComLimits.text
        ? [`The text is ${bytes(message.text.content)} bytes; WeCom accepts at most ${weComLimits.text} (errcode 40058)`]
        : [];
    case 'markdown':
      return bytes(message.markdown.content) > weComLimits.markdown
        ? [`The markdown is ${bytes(message.markdown.content)} bytes; WeCom accepts at most ${weComLimits.markdown} (errcode 40058)`]
        : [];
    case 'news': {
      const count = message.news.articles.length;
      return count < 1 || count > weComLimits.articles
        ? [`A WeCom news message takes 1 to ${weComLimits.articles} articles, not ${count}`]
        : [];
    }
    case 'image':
      return [];
  }
}

// 45009: too fast; -1: system busy, the request was not taken. 93000 (bad key), 40058 (a field out of
// range), 40008 (message type), 301xxx (media) and the rest are final
const codes = { throttled: [45009], retryable: [-1] };

/** What a WeCom errcode means for the push; unknown codes are final (retrying repeats the answer). */
export const classifyWeComErrcode = (errcode: number): DeliveryClass => classifyCode(errcode, codes);

const limit = readRateWindow('WECOM_RATE', '20/60');

export const wecom: ChannelAdapter<WeComMessage> = {
  name: 'WeCom',
  target: 'webhook',
  allowedOrigins: readOrigins('WECOM_ALLOWED_ORIGINS', ['https://qyapi.weixin.qq.com']),
  limit,
  // how long 45009 blocks is not documented: a webhook waits a window
  throttleCooldownMs: limit.windowMs,
  rebuildWebhook: (url) => rebuildQueryWebhook(url, '/cgi-bin/webhook/send', 'key'),
  secretProblem: () => 'is not taken: WeCom robots have no signing (the key in the webhook URL is the credential)',
  toBody: toWeCom,
  check: (body) => ({ bytes: messageBytes(body), problems: weComProblems(body) }),
  previewWarnings: ({ rendered, report }) => [
    ...(rendered.msgtype === 'markdown' && (rendered.at?.atMobiles?.length ?? 0) > 0
      ? ['WeCom markdown cannot mention by mobile number: use user ids, or a text template; the mobiles are left out']
      : []),
    ...((report.images?.length ?? 0) > 0
      ? [
          'WeCom markdown shows no pictures: they are linked in the text, and each screenshot stored here as JPG or PNG of at most 2 MB follows as an image message of its own',
        ]
      : []),
  ],
  // no signing: the key in the URL is the credential
  signedRequest: (url, body) => ({ url, body }),
  answerCode: errcodeAnswer(classifyWeComErrcode),
  pictures: weComPictures,
  pictureBody: ({ bytes }) => weComImageMessage(bytes),
};
