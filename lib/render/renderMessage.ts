// Template + report event → the exact DingTalk body, with the checks DingTalk would otherwise fail silently.
import { maxMessageBytes, messageBytes, visibleText, type AtSettings, type DingTalkMessage } from '../dingtalk/messages';
import type { TemplateInput } from '../../schemas/template';
import type { Channel } from '../channels/channels';
import { renderMustache } from './boundedMustache';

export type RenderableTemplate = TemplateInput;

export interface ReportView {
  eventId?: string;
  reportId?: string;
  reportName?: string;
  occurredAt?: string;
  url?: string;
  data?: Record<string, unknown>;
  images?: { name: string; url: string }[];
  /** Mentions the event asks for, on top of the robot's own. */
  mention?: AtSettings;
}

export interface RobotDeliverySettings {
  keywords?: string[];
  mention?: AtSettings;
}

/**
 * Templates see the event fields and, for convenience, the data fields at the top level too; `images`
 * as `{name, url}` and `image`, the first (the contract's example: `![{{image.name}}]({{{image.url}}})`).
 */
export function templateView(report: ReportView): Record<string, unknown> {
  const images = (report.images ?? []).map(({ name, url }) => ({ name, url }));
  return { ...(report.data ?? {}), ...report, data: report.data ?? {}, images, ...(images.length > 0 && { image: images[0] }) };
}

/** The template as a channel's robots get it: its own message for that channel when it names one. */
export function templateForChannel(template: RenderableTemplate, channel: Channel): RenderableTemplate {
  const override = template.channels?.[channel];
  if (!override) return template;
  const {
    msgType: _type,
    title: _title,
    text: _text,
    messageUrl: _url,
    picUrl: _pic,
    buttons: _buttons,
    btnOrientation: _o,
    links: _links,
    ...rest
  } = template;
  return { ...rest, ...override };
}

export function renderMessage(template: RenderableTemplate, report: ReportView, robot: RobotDeliverySettings = {}): DingTalkMessage {
  const view = templateView(report);
  const render = (source: string | undefined, field: string) => (source === undefined ? '' : renderMustache(source, view, field));
  const mention = mergedMentions(robot.mention, report.mention);
  const at = atSettings(mention);
  switch (template.msgType) {
    case 'text':
      return { msgtype: 'text', text: { content: withMentions(render(template.text, 'text'), mention) }, ...(at && { at }) };
    case 'markdown':
      return {
        msgtype: 'markdown',
        markdown: { title: render(template.title, 'title'), text: withMentions(render(template.text, 'text'), mention) },
        ...(at && { at }),
      };
    case 'link': {
      const picUrl = render(template.picUrl, 'picUrl');
      return {
        msgtype: 'link',
        link: {
          title: render(template.title, 'title'),
          text: render(template.text, 'text'),
          messageUrl: render(template.messageUrl, 'messageUrl'),
          ...(picUrl && { picUrl }),
        },
      };
    }
    case 'actionCard': {
      const title = render(template.title, 'title');
      const text = render(template.text, 'text');
      const buttons = (template.buttons ?? []).map((button, index) => ({
        title: render(button.title, `buttons/${index}/title`),
        actionURL: render(button.url, `buttons/${index}/url`),
      }));
      const orientation = template.btnOrientation ? { btnOrientation: template.btnOrientation } : {};
      if (buttons.length === 1) {
        return {
          msgtype: 'actionCard',
          actionCard: { title, text, singleTitle: buttons[0].title, singleURL: buttons[0].actionURL, ...orientation },
        };
      }
      return { msgtype: 'actionCard', actionCard: { title, text, ...orientation, btns: buttons } };
    }
    case 'feedCard':
      return {
        msgtype: 'feedCard',
        feedCard: {
          links: (template.links ?? []).map((link, index) => {
            const picURL = render(link.picUrl, `links/${index}/picUrl`);
            return {
              title: render(link.title, `links/${index}/title`),
              messageURL: render(link.messageUrl, `links/${index}/messageUrl`),
              ...(picURL && { picURL }),
            };
          }),
        },
      };
  }
}

function mergedMentions(robot: AtSettings | undefined, event: AtSettings | undefined): AtSettings | undefined {
  if (!event) return robot;
  const union = (a: string[] = [], b: string[] = []) => [...new Set([...a, ...b])];
  return {
    atMobiles: union(robot?.atMobiles, event.atMobiles),
    atUserIds: union(robot?.atUserIds, event.atUserIds),
    isAtAll: Boolean(robot?.isAtAll || event.isAtAll),
  };
}

export function atSettings(mention: AtSettings | undefined): AtSettings | undefined {
  if (!mention) return undefined;
  const { atMobiles = [], atUserIds = [], isAtAll = false } = mention;
  if (atMobiles.length === 0 && atUserIds.length === 0 && !isAtAll) return undefined;
  return { atMobiles, atUserIds, isAtAll };
}

/** A mention only fires when "@<mobile>" (or "@<userId>") is in the text too; add the missing ones at the end. */
export function withMentions(text: string, mention: AtSettings | undefined): string {
  const handles = [...(mention?.atMobiles ?? []), ...(mention?.atUserIds ?? [])].map((id) => `@${id}`);
  const missing = handles.filter((handle) => !text.includes(handle));
  return missing.length === 0 ? text : `${text}\n\n${missing.join(' ')}`;
}

/** The text without the "@<id>" handles withMentions added: WeCom and Feishu mention in their own syntax. */
export function withoutMentions(text: string, mention: AtSettings | undefined): string {
  return [...(mention?.atMobiles ?? []), ...(mention?.atUserIds ?? [])].reduce(
    (rest, id) => rest.replace(`\n\n@${id}`, '').replace(` @${id}`, ''),
    text,
  );
}

export interface MessageCheck {
  bytes: number;
  problems: string[];
  warnings: string[];
}

/** Checks DingTalk applies on arrival (size, keywords), done before sending so the failure names its cause. */
export function checkMessage(message: DingTalkMessage, robot: RobotDeliverySettings = {}): MessageCheck {
  const bytes = messageBytes(message);
  const problems: string[] = [];
  if (bytes > maxMessageBytes) {
    problems.push(`The message is ${bytes} bytes; DingTalk accepts at most ${maxMessageBytes}. ${largestPart(message)}`);
  }
  const keywords = robot.keywords ?? [];
  if (keywords.length > 0) {
    const text = visibleText(message);
    if (!keywords.some((keyword) => text.includes(keyword))) {
      problems.push(
        `The message contains none of the robot's keywords (${keywords.join(', ')}); DingTalk would reject it with errcode 310000`,
      );
    }
  }
  return { bytes, problems, warnings: [] };
}

function largestPart(message: DingTalkMessage): string {
  const body = message as unknown as Record<string, Record<string, unknown>>;
  const content = body[message.msgtype] ?? {};
  let largest = { field: '', bytes: 0 };
  for (const [field, value] of Object.entries(content)) {
    const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (size > largest.bytes) largest = { field, bytes: size };
  }
  return largest.field ? `Largest part: ${message.msgtype}.${largest.field} (${largest.bytes} bytes).` : '';
}
