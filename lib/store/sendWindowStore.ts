// The per-robot send window item (RATE#<robotId>). A plain item: only the worker holding the robot's
// message group reads and writes it, so it needs no version or condition. It is written before every POST
// (the slot taken), so the attempt as started, with the body it sends, rides on that write.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import type { ChannelMessage } from '../channels';
import type { InFlightAttempt, SendWindowState, WebhookWindow } from '../domain/sendWindow';
import type { TemplateSnapshot } from '../domain/pushRecord';
import { keys, tableName } from './table';

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
        ...sentContentOf(item?.inFlight as unknown as Record<string, unknown>),
      },
    }),
  };
}

/** The body is kept as the exact text sent (a map would not keep its keys in order), the template beside it. */
function sentContentOf(inFlight: Record<string, unknown>): Pick<InFlightAttempt, 'content' | 'template'> {
  if (typeof inFlight.contentText !== 'string') return {};
  return {
    content: JSON.parse(inFlight.contentText) as ChannelMessage,
    ...(typeof inFlight.template === 'object' && inFlight.template !== null ? { template: inFlight.template as TemplateSnapshot } : {}),
  };
}

function inFlightItem({ content, ...attempt }: InFlightAttempt): Record<string, unknown> {
  return { ...attempt, ...(content && { contentText: JSON.stringify(content) }) };
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
          ...(window.inFlight && { inFlight: inFlightItem(window.inFlight) }),
          expiresAt,
        },
      }),
    );
  },
};
