// The per-robot send window item (RATE#<robotId>). A plain item: only the worker holding the robot's
// message group reads and writes it, so it needs no version or condition.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import type { Channel } from '../channels/channels';
import { config } from '../config';
import type { SendWindowLimit } from '../delivery/sendWindow';
import { keys, tableName } from './table';

/** One webhook's window: the latest sends (ms since epoch, at most `messages` of them, oldest first) and a 130101's cooldown. */
export interface WebhookWindow {
  sends: number[];
  cooldownUntil: number;
}

/** A robot's send window as stored (lib/delivery/sendWindow.ts does its maths): its own webhook's, and its pool's by key. */
export interface SendWindowState extends WebhookWindow {
  pool?: Record<string, WebhookWindow>;
  /** The robot has pushes held for its quiet hours, to be released after this (ms): later pushes join them. */
  heldUntil?: number;
  /**
   * The attempt last started, written with its slot before the POST. A record that has not counted it yet
   * means the worker died between sending and recording: that attempt's outcome is unknown.
   */
  inFlight?: InFlightAttempt;
}

export interface InFlightAttempt {
  recordId: string;
  attempt: number;
  at: number;
  /** For a digest: the records of the pushes it carries. */
  members?: string[];
}

function webhookWindowOf(item: Record<string, unknown> | undefined): WebhookWindow {
  return {
    sends: Array.isArray(item?.sends) ? item.sends.filter((at): at is number => typeof at === 'number') : [],
    cooldownUntil: typeof item?.cooldownUntil === 'number' ? item.cooldownUntil : 0,
  };
}

export function sendWindowOf(item: Record<string, unknown> | undefined): SendWindowState {
  const inFlight = item?.inFlight as Partial<InFlightAttempt> | undefined;
  const started = typeof inFlight?.recordId === 'string' && typeof inFlight.attempt === 'number' && typeof inFlight.at === 'number';
  const pool = item?.pool && typeof item.pool === 'object' ? Object.entries(item.pool as Record<string, Record<string, unknown>>) : [];
  return {
    ...webhookWindowOf(item),
    ...(pool.length > 0 && { pool: Object.fromEntries(pool.map(([key, window]) => [key, webhookWindowOf(window)])) }),
    ...(typeof item?.heldUntil === 'number' && { heldUntil: item.heldUntil }),
    ...(started && {
      inFlight: {
        recordId: inFlight.recordId!,
        attempt: inFlight.attempt!,
        at: inFlight.at!,
        ...(Array.isArray(inFlight.members) && { members: inFlight.members.filter((id): id is string => typeof id === 'string') }),
      },
    }),
  };
}

export const sendWindowStore = {
  async put(robotId: string, window: SendWindowState): Promise<void> {
    // kept a day past its last use: a robot that has not sent for that long has an empty window anyway
    const cooldowns = [window, ...Object.values(window.pool ?? {})].map((webhook) => webhook.cooldownUntil);
    const expiresAt = Math.floor(Math.max(Date.now(), window.heldUntil ?? 0, ...cooldowns) / 1000) + 86_400;
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.rateLimit(robotId),
          sends: window.sends,
          cooldownUntil: window.cooldownUntil,
          ...(window.pool && { pool: window.pool }),
          ...(window.heldUntil !== undefined && { heldUntil: window.heldUntil }),
          ...(window.inFlight && { inFlight: window.inFlight }),
          expiresAt,
        },
      }),
    );
  },
};

/** Each channel's send window (docs/channels.md): Feishu's adds its 5 a second. */
export const channelLimits: Record<Channel, SendWindowLimit> = {
  dingtalk: { ...config.rateLimit, marginMs: config.rateMarginMs },
  wecom: config.weComRateLimit,
  feishu: { ...config.feishuRateLimit, burst: config.feishuBurstLimit },
};
