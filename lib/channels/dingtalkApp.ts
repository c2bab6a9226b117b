// DingTalk's app robot (an enterprise internal app's robot, through the OpenAPI): the msgKey and msgParam a
// rendered message becomes, the limits, and what an answer's code means (docs/channels.md, "DingTalk app
// robots"). It has no webhook and signs nothing: the app's access token goes in a header (lib/dingtalkApps).
// DingTalk signs the app's callbacks as a webhook robot's requests are signed.
import { timingSafeEqual } from 'node:crypto';
import { readRateWindow } from '../config';
import { textOf, type ChannelAdapter, type DeliveryClass } from './adapter';
import { signature } from './dingtalk';
import { actionCardButtons, withoutMentions, type RenderedMessage } from './message';

export type DingTalkAppMessage = {
  msgKey:
    | 'sampleText'
    | 'sampleMarkdown'
    | 'sampleLink'
    | 'sampleActionCard'
    | 'sampleActionCard2'
    | 'sampleActionCard3'
    | 'sampleActionCard4'
    | 'sampleActionCard5'
    | 'sampleImageMsg'
    /** Not DingTalk's: a feed card, which an app robot cannot send, kept as refused before sending. */
    | 'feedCard';
  msgParam: string;
};

/** How a picture names a screenshot stored here until the app client puts the media_id DingTalk gave it in its place. */
export const storedImage = 'dingpush-image:';

/** DingTalk takes a msgParam of at most this many bytes. */
export const maxMsgParamBytes = 15_000;
/** A feed card has no app robot form: the push fails before sending, saying so. */
export const feedCardRefusal = 'A DingTalk app robot cannot send a feedCard (its API has no such message): use a markdown or link template';

const param = (fields: Record<string, unknown>) => JSON.stringify(fields);

/** The msgKey and msgParam for a rendered message (app robots cannot @-mention: mentions are left out of the text). */
export function toDingTalkApp(message: RenderedMessage): DingTalkAppMessage {
  switch (message.msgtype) {
    case 'text':
      return { msgKey: 'sampleText', msgParam: param({ content: withoutMentions(message.text.content, message.at) }) };
    case 'markdown':
      return {
        msgKey: 'sampleMarkdown',
        msgParam: param({ title: message.markdown.title, text: withoutMentions(message.markdown.text, message.at) }),
      };
    case 'link': {
      const { title, text, messageUrl, picUrl } = message.link;
      return { msgKey: 'sampleLink', msgParam: param({ title, text, messageUrl, picUrl: picUrl ?? '' }) };
    }
    case 'actionCard': {
      const card = message.actionCard;
      const buttons = actionCardButtons(card);
      if (buttons.length === 1 && 'singleTitle' in card)
        return {
          msgKey: 'sampleActionCard',
          msgParam: param({ title: card.title, text: card.text, singleTitle: card.singleTitle, singleURL: card.singleURL }),
        };
      const shown = buttons.slice(0, 5);
      const fields: Record<string, string> = { title: card.title, text: card.text };
      shown.forEach((button, index) => {
        fields[`actionTitle${index + 1}`] = button.title;
        fields[`actionURL${index + 1}`] = button.url;
      });
      return { msgKey: `sampleActionCard${Math.max(2, shown.length)}` as DingTalkAppMessage['msgKey'], msgParam: param(fields) };
    }
    case 'feedCard':
      // kept on the record as what it was; check() refuses it before sending
      return { msgKey: 'feedCard', msgParam: param({ links: message.feedCard.links }) };
  }
}

/** DingTalk's window for a callback's timestamp. */
const callbackFreshnessMs = 60 * 60 * 1000;

/** Whether a callback is DingTalk's: its timestamp within the hour, its sign that timestamp signed with the app's secret. */
export function isDingTalkCallback(appSecret: string, headers: { timestamp?: string; sign?: string }, now: number): boolean {
  const { timestamp, sign } = headers;
  const timestampMs = Number(timestamp);
  if (timestamp === undefined || !sign || !Number.isInteger(timestampMs) || Math.abs(now - timestampMs) > callbackFreshnessMs) return false;
  const expected = Buffer.from(signature(appSecret, timestamp), 'base64');
  const given = Buffer.from(sign, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The picture message for an uploaded screenshot's media id. */
export const dingTalkAppImage = (mediaId: string): DingTalkAppMessage => ({
  msgKey: 'sampleImageMsg',
  msgParam: param({ photoURL: mediaId }),
});

// rate limits (HTTP 403 QpsLimit, and these codes) wait and retry; 5xx and 429 retry; InvalidAuthentication
// is handled by the client (a fresh token, once); every other code is final, kept with its message
const throttledCodes = ['send.too.fast', 'too.many.group', 'send.byToken.tooFast'];

export function classifyDingTalkAppAnswer(status: number, code: string): DeliveryClass {
  if (status === 403 && code.includes('QpsLimit')) return 'throttled';
  if (throttledCodes.includes(code)) return 'throttled';
  if (status >= 500 || status === 429) return 'retryable';
  return 'permanent';
}

const limit = readRateWindow('DINGTALK_APP_RATE', '20/60');

export const dingtalkApp: ChannelAdapter<DingTalkAppMessage> = {
  name: 'DingTalk (app robot)',
  target: 'app',
  // sends go to DINGTALK_API_ORIGIN only, never to a URL a robot names
  allowedOrigins: [],
  limit,
  // DingTalk does not say how long its QPS limit lasts: a few seconds, then the next window
  throttleCooldownMs: Math.min(limit.windowMs, 5000),
  rebuildWebhook: () => ({ problem: 'is not taken: a dingtalk-app robot sends through its app (give app: {appId, openConversationId})' }),
  secretProblem: () => 'is not taken: a dingtalk-app robot sends with its app’s credentials',
  toBody: toDingTalkApp,
  check: (body) => {
    const bytes = Buffer.byteLength(body.msgParam);
    const problems = [
      ...(body.msgKey === 'feedCard' ? [feedCardRefusal] : []),
      ...(bytes > maxMsgParamBytes
        ? [`The message is ${bytes} bytes as msgParam; a DingTalk app robot takes at most ${maxMsgParamBytes}`]
        : []),
    ];
    return { bytes, problems };
  },
  previewWarnings: ({ template, rendered }) => [
    ...(template.msgType === 'feedCard' ? [feedCardRefusal] : []),
    ...('at' in rendered && rendered.at && (rendered.at.atMobiles?.length || rendered.at.atUserIds?.length || rendered.at.isAtAll)
      ? ['A DingTalk app robot cannot @-mention anyone: the mentions are left out']
      : []),
  ],
  // the access token goes in a header, which the app client adds; nothing is signed
  signedRequest: (url, body) => ({ url, body }),
  answerCode: (status, answer) => {
    if (status === 200 && typeof answer.processQueryKey === 'string') return { code: 0, outcome: 'ok', message: 'ok' };
    if (typeof answer.code !== 'string') return undefined;
    return { code: answer.code, outcome: classifyDingTalkAppAnswer(status, answer.code), message: textOf(answer.message) };
  },
  // every stored screenshot follows the message as a picture: the app client uploads it once per app and
  // names its media_id (no public URL needed); one given by URL stays a link in the text
  pictures: (images) => (images ?? []).filter((image): image is typeof image & { id: string } => Boolean(image.id)),
  pictureBody: ({ id }) => ({ msgKey: 'sampleImageMsg', msgParam: param({ photoURL: `${storedImage}${id}` }) }),
  messageKey: (answer) => {
    const key = (answer as { processQueryKey?: unknown } | undefined)?.processQueryKey;
    return typeof key === 'string' ? key : undefined;
  },
};
