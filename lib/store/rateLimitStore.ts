// Per-robot send log in DynamoDB, shared by every worker instance: the sliding window DingTalk enforces,
// kept with optimistic concurrency (version) so concurrent workers never both take the last slot.
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { isConditionFailure, keys, tableName } from './table';

export interface SendWindow {
  messages: number;
  windowMs: number;
  marginMs: number;
}

export type Reservation = { slotAt: number } | { waitMs: number; reason: 'rate-limit' | 'cooldown' };

const maxContentionRetries = 40;
import { sleep } from '../concurrency';

/** The earliest moment a new send keeps every window of `windowMs + marginMs` at or under `messages` sends. */
export function earliestSlot(sends: number[], now: number, window: SendWindow): number {
  const span = window.windowMs + window.marginMs;
  const recent = sends.filter((at) => at > now - span).sort((a, b) => a - b);
  if (recent.length < window.messages) return now;
  return Math.max(now, recent[recent.length - window.messages] + span);
}

export const rateLimitStore = {
  /**
   * Reserves a send slot for the robot no later than `maxAheadMs` from now, or says how long to wait.
   * A reserved slot that goes unused only costs capacity, never a 130101.
   */
  async reserve(robotId: string, window: SendWindow, maxAheadMs: number): Promise<Reservation> {
    for (let attempt = 0; attempt < maxContentionRetries; attempt++) {
      const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.rateLimit(robotId), ConsistentRead: true }));
      const now = Date.now();
      const cooldownUntil = Number(Item?.cooldownUntil ?? 0);
      if (cooldownUntil > now) return { waitMs: cooldownUntil - now, reason: 'cooldown' };
      const sends = (Item?.sends as number[] | undefined) ?? [];
      const slotAt = earliestSlot(sends, now, window);
      if (slotAt - now > maxAheadMs) return { waitMs: slotAt - now, reason: 'rate-limit' };
      const kept = [...sends.filter((at) => at > now - window.windowMs - window.marginMs), slotAt].sort((a, b) => a - b).slice(-window.messages);
      const version = Number(Item?.version ?? 0);
      try {
        await dynamodb.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.rateLimit(robotId), sends: kept, version: version + 1, ...(cooldownUntil && { cooldownUntil }) },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :version',
            ExpressionAttributeValues: { ':version': version },
          }),
        );
        return { slotAt };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        await sleep(2 + Math.random() * 10 * Math.min(attempt + 1, 5));
      }
    }
    // Heavy contention on one robot: back off through the queue rather than spin.
    return { waitMs: 1000, reason: 'rate-limit' };
  },

  /** DingTalk said 130101 anyway: silence the robot until `until` (ms since epoch). */
  async coolDown(robotId: string, until: number): Promise<void> {
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.rateLimit(robotId),
        UpdateExpression: 'SET cooldownUntil = :until ADD version :one',
        ExpressionAttributeValues: { ':until': until, ':one': 1 },
      }),
    );
  },
};
