// Template + report event → the rendered message (lib/channels/message.ts), which each chat service's
// adapter turns into its body.
import type { TemplateInput } from '../../schemas/template';
import type { Channel } from '../channels';
import type { RobotDeliverySettings } from '../channels/adapter';
import { atSettings, withMentions, type AtSettings, type RenderedMessage } from '../channels/message';
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

export function renderMessage(template: RenderableTemplate, report: ReportView, robot: RobotDeliverySettings = {}): RenderedMessage {
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
