// What the WeCom and Feishu group robots check and answer, for the simulator (scripts/chat-simulator.ts).
// From their public docs (docs/channels.md); where a code is not documented, the simulator refuses anyway,
// with a code the service must treat as final, so it is never kinder than the real service.
import { createHash } from 'node:crypto';

type Answer = { errcode: number; errmsg: string };

export const weComAnswers = {
  ok: { errcode: 0, errmsg: 'ok' },
  invalidKey: { errcode: 93000, errmsg: 'invalid webhook url, hint: [1700000000_1_abc]' },
  tooFast: { errcode: 45009, errmsg: 'api freq out of limit' },
  badJson: { errcode: 40035, errmsg: 'invalid json' },
  badType: { errcode: 40008, errmsg: 'invalid message type' },
  outOfRange: (what: string) => ({ errcode: 40058, errmsg: `${what} exceed max length` }),
  missing: (what: string) => ({ errcode: 40058, errmsg: `missing ${what}` }),
  imageSize: { errcode: 40009, errmsg: 'invalid image size' },
  md5Mismatch: { errcode: 301019, errmsg: 'media md5 not match' },
} satisfies Record<string, Answer | ((what: string) => Answer)>;

export const feishuAnswers = {
  ok: { errcode: 0, errmsg: 'success' },
  tokenInvalid: { errcode: 19001, errmsg: 'param invalid: incoming webhook access token invalid' },
  badJson: { errcode: 19002, errmsg: 'params error, invalid json' },
  badShape: (what: string) => ({ errcode: 19002, errmsg: `params error, ${what}` }),
  tooLarge: { errcode: 19002, errmsg: 'params error, request body too large' },
  signMismatch: { errcode: 19021, errmsg: 'sign match fail or timestamp is not within one hour from current time' },
  keywordsMissing: { errcode: 19024, errmsg: 'Key Words Not Found' },
  tooFast: { errcode: 11232, errmsg: 'frequency limited psm' },
} satisfies Record<string, Answer | ((what: string) => Answer)>;

export const feishuMaxBodyBytes = 20 * 1024;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const strings = (value: unknown) => value === undefined || (Array.isArray(value) && value.every((item) => typeof item === 'string'));

/** A WeCom body's problem, or what an accepted image message held. */
export function weComShapeProblem(body: Record<string, unknown>): Answer | { image?: { md5: string; bytes: number } } {
  const part = body[String(body.msgtype)] as Record<string, unknown> | undefined;
  switch (body.msgtype) {
    case 'text':
      if (!nonEmpty(part?.content)) return weComAnswers.missing('text.content');
      if (bytes(part.content) > 2048) return weComAnswers.outOfRange('content');
      if (!strings(part.mentioned_list) || !strings(part.mentioned_mobile_list)) return weComAnswers.missing('mentioned_list');
      return {};
    case 'markdown':
      if (!nonEmpty(part?.content)) return weComAnswers.missing('markdown.content');
      return bytes(part.content) > 4096 ? weComAnswers.outOfRange('markdown.content') : {};
    case 'news': {
      const articles = part?.articles;
      if (!Array.isArray(articles) || articles.length < 1 || articles.length > 8) return weComAnswers.outOfRange('articles');
      return articles.every((article: Record<string, unknown>) => nonEmpty(article?.title) && nonEmpty(article?.url))
        ? {}
        : weComAnswers.missing('article title/url');
    }
    case 'image': {
      if (!nonEmpty(part?.base64) || !nonEmpty(part?.md5)) return weComAnswers.missing('image.base64/md5');
      const picture = Buffer.from(part.base64, 'base64');
      // only JPG or PNG, at most 2 MB before encoding
      const known =
        picture.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) ||
        picture.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
      if (!known || picture.length === 0 || picture.length > 2 * 1024 * 1024) return weComAnswers.imageSize;
      const md5 = createHash('md5').update(picture).digest('hex');
      return md5 === part.md5.toLowerCase() ? { image: { md5, bytes: picture.length } } : weComAnswers.md5Mismatch;
    }
    default:
      return weComAnswers.badType;
  }
}

/** Pictures a WeCom group loads: the news articles' picurl (markdown shows none). */
export function weComPictureUrls(body: Record<string, unknown>): string[] {
  const articles = (body.news as { articles?: { picurl?: unknown }[] } | undefined)?.articles ?? [];
  return articles.flatMap((article) => (nonEmpty(article.picurl) ? [article.picurl] : []));
}

export function feishuShapeProblem(body: Record<string, unknown>): Answer | undefined {
  const content = body.content as Record<string, unknown> | undefined;
  switch (body.msg_type) {
    case 'text':
      return nonEmpty(content?.text) ? undefined : feishuAnswers.badShape('content.text is required');
    case 'post':
      return content?.post && typeof content.post === 'object' ? undefined : feishuAnswers.badShape('content.post is required');
    case 'interactive': {
      const card = body.card as Record<string, unknown> | undefined;
      if (!card || !Array.isArray(card.elements) || card.elements.length === 0) return feishuAnswers.badShape('card.elements is required');
      // a custom bot cannot upload: an img element needs an image_key it cannot have
      return JSON.stringify(card).includes('"img_key"') ? feishuAnswers.badShape('img_key is invalid') : undefined;
    }
    case 'image':
      return feishuAnswers.badShape('image_key is invalid');
    default:
      return feishuAnswers.badShape('msg_type is invalid');
  }
}

/** The text a Feishu keyword check reads: every string in the content or the card. */
export function feishuVisibleText(body: Record<string, unknown>): string {
  const texts: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(body.content);
  collect(body.card);
  return texts.join('\n');
}
