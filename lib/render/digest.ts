// Pushes waiting for one robot → one markdown message: a title and a line per push, in order. Pure; the
// worker decides when to merge (lib/delivery/digestPlan.ts) and sends the result like any push.
import { fitsChannel, type Channel } from '../channels';
import type { RobotDeliverySettings } from '../channels/adapter';
import { actionCardButtons, atSettings, withMentions, type AtSettings, type RenderedMessage } from '../channels/message';
import { renderMustache } from './boundedMustache';

/** A template's optional digest sections: Mustache, `title` over {count, robotName}, `line` over one push. */
export interface DigestSections {
  title?: string;
  line?: string;
}

export const defaultDigestSections: Required<DigestSections> = {
  title: '{{count}} 条推送 · {{count}} pushes',
  line: '- {{#link}}[{{title}}]({{{link}}}){{/link}}{{^link}}{{title}}{{/link}}',
};

/** The most people one digest mentions: a long @ list shows as noise. */
export const maxDigestMentions = 20;

/** What one push contributes to a digest: its title and, when it has one, the link it leads to. */
export function pushSummary(message: RenderedMessage): { title: string; link?: string } {
  switch (message.msgtype) {
    case 'text':
      return { title: firstLine(message.text.content), ...linkIn(message.text.content) };
    case 'markdown':
      return { title: message.markdown.title || firstLine(message.markdown.text), ...linkIn(message.markdown.text) };
    case 'link':
      return { title: message.link.title, link: message.link.messageUrl };
    case 'actionCard': {
      const card = message.actionCard;
      return { title: card.title, link: actionCardButtons(card)[0]?.url };
    }
    case 'feedCard':
      return { title: message.feedCard.links[0]?.title ?? '', link: message.feedCard.links[0]?.messageURL };
  }
}

const firstLine = (text: string) =>
  (text.split('\n').find((line) => line.trim()) ?? '')
    .replace(/^[#>\s*-]+/, '')
    .trim()
    .slice(0, 200);
const linkIn = (text: string) => {
  const url = /\((https?:\/\/[^)\s]+)\)|(https?:\/\/\S+)/.exec(text);
  return url ? { link: url[1] ?? url[2] } : {};
};

export interface DigestMember {
  message: RenderedMessage;
  reportName: string;
}

/**
 * The digest of the longest run of `members`, from the first, that fits the robot's `channel` (DingTalk's
 * 20,000 bytes unless told; at least one): the rest go in the next digest. Mentions are the members' union (bounded); a robot keyword the
 * lines lack is added at the end, or DingTalk would refuse the message.
 */
export function renderDigest(
  members: DigestMember[],
  sections: DigestSections | undefined,
  robot: RobotDeliverySettings & { name: string },
  channel: Channel,
): { message: RenderedMessage; count: number } {
  const title = (count: number) =>
    renderMustache(sections?.title || defaultDigestSections.title, { count, robotName: robot.name }, 'digest/title');
  const lines = members.map((member, index) =>
    renderMustache(
      sections?.line || defaultDigestSections.line,
      { ...pushSummary(member.message), reportName: member.reportName, n: index + 1 },
      'digest/line',
    ),
  );
  const build = (count: number): RenderedMessage => {
    const mention = unionOfMentions(members.slice(0, count).map(({ message }) => ('at' in message ? message.at : undefined)));
    const at = atSettings(mention);
    let text = lines.slice(0, count).join('\n');
    const keywords = robot.keywords ?? [];
    const heading = title(count);
    if (keywords.length > 0 && !keywords.some((keyword) => `${heading}\n${text}`.includes(keyword))) text += `\n\n${keywords[0]}`;
    // DingTalk shows a markdown title only in the chat list: the text repeats it as its heading
    return {
      msgtype: 'markdown',
      markdown: { title: heading, text: withMentions(`#### ${heading}\n\n${text}`, mention) },
      ...(at && { at }),
    };
  };
  // the largest count that fits, found by halving: messages grow with each line
  let low = 1;
  let high = members.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fitsChannel(channel, build(middle))) low = middle;
    else high = middle - 1;
  }
  return { message: build(low), count: low };
}

function unionOfMentions(mentions: (AtSettings | undefined)[]): AtSettings | undefined {
  const present = mentions.filter((mention): mention is AtSettings => Boolean(mention));
  if (present.length === 0) return undefined;
  const union = (pick: (mention: AtSettings) => string[] | undefined) =>
    [...new Set(present.flatMap((mention) => pick(mention) ?? []))].slice(0, maxDigestMentions);
  return {
    atMobiles: union((mention) => mention.atMobiles),
    atUserIds: union((mention) => mention.atUserIds),
    isAtAll: present.some((mention) => mention.isAtAll),
  };
}
