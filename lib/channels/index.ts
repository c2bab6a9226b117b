// The chat services a robot can post to, each one adapter. Add a service here (docs/contributing.md,
// "Adding a chat service"); everything else looks its adapter up by the robot's channel.
import type { DingTalkAppBody, DingTalkBody, FeishuBody, WeComBody } from '../../schemas/channelBodies';
import type { channels } from '../../schemas/robot';
import type { ChannelAdapter } from './adapter';
import { dingtalk, type DingTalkMessage } from './dingtalk';
import { dingtalkApp, type DingTalkAppMessage } from './dingtalkApp';
import { feishu, type FeishuMessage } from './feishu';
import type { RenderedMessage } from './message';
import { wecom, type WeComMessage } from './wecom';

export type Channel = (typeof channels)[number];

/** A body an adapter makes, checked to be one the API document describes (a compile error otherwise). */
type Documented<Schema, Body extends Schema> = Body;

/** The exact body a robot is sent, whichever its chat service. */
export type ChannelMessage =
  | Documented<DingTalkBody, DingTalkMessage>
  | Documented<WeComBody, WeComMessage>
  | Documented<FeishuBody, FeishuMessage>
  | Documented<DingTalkAppBody, DingTalkAppMessage>;

const adapters: Record<Channel, ChannelAdapter<ChannelMessage>> = { dingtalk, wecom, feishu, 'dingtalk-app': dingtalkApp };

/** A robot created without naming its chat service posts to this one. */
export const defaultChannel: Channel = 'dingtalk';

export function adapterOf(channel: Channel): ChannelAdapter<ChannelMessage> {
  return adapters[channel];
}

/** Whether a rendered message (a digest being built) is within the service's size limits as its body. */
export function fitsChannel(channel: Channel, message: RenderedMessage): boolean {
  const adapter = adapterOf(channel);
  return adapter.check(adapter.toBody(message), {}).problems.length === 0;
}
