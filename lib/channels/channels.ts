// The chat services a robot can post to. A template renders once (lib/render/renderMessage.ts, in DingTalk's
// vocabulary, the first channel); each channel turns that into its own body and says what it would refuse.
import type { channels } from '../../schemas/robot';
import { messageBytes, type DingTalkMessage } from '../dingtalk/messages';
import { checkMessage, type MessageCheck, type RobotDeliverySettings } from '../render/renderMessage';
import { feishuMaxBodyBytes, feishuText, toFeishu, type FeishuMessage } from './feishu';
import { toWeCom, weComProblems, type WeComMessage } from './wecom';

export type Channel = (typeof channels)[number];

/** The exact body a robot is sent, whichever its channel. */
export type ChannelMessage = DingTalkMessage | WeComMessage | FeishuMessage;

export const channelNames: Record<Channel, string> = { dingtalk: 'DingTalk', wecom: 'WeCom', feishu: 'Feishu' };

/** The channel's body for a rendered message. */
export function toChannel(channel: Channel, message: DingTalkMessage): ChannelMessage {
  if (channel === 'wecom') return toWeCom(message);
  if (channel === 'feishu') return toFeishu(message);
  return message;
}

/** Room a Feishu signature adds to the body: `,"timestamp":"…","sign":"…"`. */
const feishuSignatureBytes = 80;

/** What the channel would refuse (size, keywords), said before sending so the failure names its cause. */
export function checkChannelMessage(channel: Channel, message: ChannelMessage, robot: RobotDeliverySettings = {}): MessageCheck {
  if (channel === 'dingtalk') return checkMessage(message as DingTalkMessage, robot);
  const bytes = messageBytes(message);
  if (channel === 'wecom') return { bytes, problems: weComProblems(message as WeComMessage), warnings: [] };
  const problems: string[] = [];
  if (bytes + feishuSignatureBytes > feishuMaxBodyBytes)
    problems.push(`The message is ${bytes} bytes; Feishu accepts a body of at most ${feishuMaxBodyBytes} bytes, signature included`);
  const keywords = robot.keywords ?? [];
  if (keywords.length > 0 && !keywords.some((keyword) => feishuText(message as FeishuMessage).includes(keyword)))
    problems.push(`The message contains none of the robot's keywords (${keywords.join(', ')}); Feishu would reject it with code 19024`);
  return { bytes, problems, warnings: [] };
}

/** Whether a rendered message (a digest being built) is within the channel's size limits as its body. */
export function fitsChannel(channel: Channel, message: DingTalkMessage): boolean {
  return checkChannelMessage(channel, toChannel(channel, message)).problems.length === 0;
}
