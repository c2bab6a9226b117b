// Per-robot send log in DynamoDB, shared by every worker instance: the sliding window DingTalk enforces,
// kept with optimistic concurrency (version) so concurrent workers never both take the last slot. The
// same conditional write claims the push records about to be sent (record id → lease), so two copies of
// a job never both send, and a record needs no write of its own until its attempt has ended.
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { sleep } from '../concurrency';
import { isConditionFailure, keys, tableName } from './table';

export interface SendWindow {
  messages: number;
  windowMs: number;
  marginMs: number;
}

/**
 * A slot to send at, or how long to wait. A slot is reserved even when it is further ahead than the
 * worker waits inline: the job then comes back for it, so a burst to one robot drains in slot order
 * instead of every waiting job retrying at the same moment.
 */
export type Reservation = { slotAt: number; claimedUntil?: number } | { waitMs: number; reason: 'rate-limit' | 'cooldown' } | { heldForMs: number };

/** The record a reservation claims for its send, when its slot comes within `whenWithinMs`. */
export interface RecordClaim {
  recordId: string;
  leaseMs: number;
  whenWithinMs: number;
  /** A slot this job reserved on an earlier pass: claim for it instead of taking a new one. */
  slotAt?: number;
  /** The lease of this job's own claim from an earlier pass (a retry), which it may take again. */
  ownLeaseUntil?: number;
  /** A slot this job reserved and let pass unused: moved to now when the log still holds it (see `moveSlot`). */
  missedSlotAt?: number;
}

/** Slots are reserved at most this far ahead (SQS delays a message by at most 15 minutes). */
export const maxReservationAheadMs = 14 * 60_000;

/** A robot's send log as last seen; a write based on it succeeds only if nobody wrote since (version). */
export interface RateState {
  sends: number[];
  version: number;
  cooldownUntil: number;
  /** Records being sent: record id → lease end (ms). Expired leases are dropped by the next write. */
  claims: Record<string, number>;
}

const maxContentionRetries = 40;

export function rateStateOf(item: Record<string, unknown> | undefined): RateState {
  return {
    sends: (item?.sends as number[] | undefined) ?? [],
    version: Number(item?.version ?? 0),
    cooldownUntil: Number(item?.cooldownUntil ?? 0),
    claims: (item?.claims as Record<string, number> | undefined) ?? {},
  };
}

/** The earliest moment a new send keeps every window of `windowMs + marginMs` at or under `messages` sends. */
export function earliestSlot(sends: number[], now: number, window: SendWindow): number {
  const span = window.windowMs + window.marginMs;
  const recent = sends.filter((at) => at > now - span).sort((a, b) => a - b);
  if (recent.length < window.messages) return now;
  return Math.max(now, recent[recent.length - window.messages] + span);
}

/**
 * A send this much later than its slot could land closer than a window to a later slot counted from it,
 * so the job moves its slot to now (`moveSlot`) or, when the log no longer holds it, takes a new one.
 */
export function lateToleranceMs(window: SendWindow): number {
  return Math.max(10, Math.floor(window.marginMs / 2));
}

/**
 * How far past the time of the write a slot is placed: the job learns its slot only when the conditional
 * write returns, and a slot of "now" reached back after a slow write would already be late and lost. So
 * slots start one expected round trip ahead (twice the recent mean, less the lateness that is allowed
 * anyway); a busy worker then sends on its slot instead of burning the robot's window on late ones.
 */
export function slotLeadMs(meanWriteMs: number, window: SendWindow): number {
  return Math.min(1000, window.windowMs / 4, Math.max(0, Math.round(2 * meanWriteMs - lateToleranceMs(window))));
}

/** The log with a slot added: slots only grow, so the latest `messages` of them decide the next one and the log stays that short. */
export function withSlot(sends: number[], slotAt: number, now: number, window: SendWindow): number[] {
  return [...sends.filter((at) => at > now - window.windowMs - window.marginMs), slotAt].sort((a, b) => a - b).slice(-window.messages);
}

/**
 * The log with a slot that went unused moved to `to` (later), or undefined when the log no longer holds it.
 * Safe for any later `to`: every slot older than a held one is gone from the log only because `messages`
 * newer ones are kept, so a window that starts after the missed slot holds only slots of the log, at most
 * `messages - 1` besides it; a window that starts before it and reaches `to` held the missed slot too.
 * So no window gains a send, and the robot's capacity is not lost to a late job.
 */
export function moveSlot(sends: number[], missedSlotAt: number, to: number, now: number, window: SendWindow): number[] | undefined {
  const index = sends.indexOf(missedSlotAt);
  if (index < 0 || to <= missedSlotAt) return undefined;
  return withSlot([...sends.slice(0, index), ...sends.slice(index + 1)], to, now, window);
}

/** Recent round trip of the send log's conditional write in this container (ms, exponentially weighted). */
let meanWriteMs = 0;

export const rateLimitStore = {
  /**
   * Reserves a send slot for the robot no later than `maxAheadMs` from now, or says how long to wait.
   * A reserved slot that goes unused only costs capacity, never a 130101. `known` holds logs already read
   * (by the batch's prefetch, readDeliveryInputs, or an earlier reservation of the same batch); it is kept up to date.
   * With `claim`, a slot close enough to send at also claims the record (`claimedUntil`), unless another
   * job holds it (`heldForMs`).
   */
  reserve(robotId: string, window: SendWindow, maxAheadMs: number, known = new Map<string, RateState>(), claim?: RecordClaim): Promise<Reservation> {
    // Reservations of one robot in this container go out together: the jobs of a batch (or of batches
    // running side by side) that wait while one write is under way are all served by the next write.
    // One at a time, a burst to one robot was paced by DynamoDB round trips instead of by its limit.
    return new Promise((resolve, reject) => {
      const request = { window, maxAheadMs, known, claim, resolve, reject };
      const waiting = pendingReservations.get(robotId);
      if (waiting) {
        waiting.push(request);
        return;
      }
      pendingReservations.set(robotId, [request]);
      void reserveWhilePending(robotId);
    });
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

interface ReservationRequest {
  window: SendWindow;
  maxAheadMs: number;
  known: Map<string, RateState>;
  claim?: RecordClaim;
  resolve: (reservation: Reservation) => void;
  reject: (error: unknown) => void;
}

/** Per robot: reservations waiting for the write under way (the entry exists while one is). */
const pendingReservations = new Map<string, ReservationRequest[]>();

async function reserveWhilePending(robotId: string): Promise<void> {
  const waiting = pendingReservations.get(robotId) as ReservationRequest[];
  while (waiting.length > 0) {
    const group = waiting.splice(0);
    try {
      const reservations = await reserveGroup(robotId, group);
      group.forEach((request, index) => request.resolve(reservations[index]));
    } catch (error) {
      for (const request of group) request.reject(error);
    }
  }
  pendingReservations.delete(robotId);
}

/** Slots for every request of the group, in order, taken with one conditional write of the robot's log. */
async function reserveGroup(robotId: string, group: ReservationRequest[]): Promise<Reservation[]> {
  const knownMaps = [...new Set(group.map((request) => request.known))];
  for (let attempt = 0; attempt < maxContentionRetries; attempt++) {
    let state = knownMaps.map((known) => known.get(robotId)).find((seen) => seen !== undefined);
    if (!state) {
      const { Item } = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.rateLimit(robotId), ConsistentRead: true }));
      state = rateStateOf(Item);
    }
    const now = Date.now();
    const { cooldownUntil } = state;
    if (cooldownUntil > now) return group.map(() => ({ waitMs: cooldownUntil - now, reason: 'cooldown' }));
    let sends = state.sends;
    const claims = Object.fromEntries(Object.entries(state.claims).filter(([, leaseUntil]) => leaseUntil > now));
    let changed = Object.keys(claims).length !== Object.keys(state.claims).length;
    const reservations: Reservation[] = group.map(({ window, maxAheadMs, claim }) => {
      const heldUntil = claim && claims[claim.recordId];
      if (heldUntil !== undefined && heldUntil !== claim?.ownLeaseUntil) return { heldForMs: heldUntil - now };
      let slotAt = claim?.slotAt;
      if (slotAt === undefined) {
        const earliest = now + slotLeadMs(meanWriteMs, window);
        const moved = claim?.missedSlotAt === undefined ? undefined : moveSlot(sends, claim.missedSlotAt, earliest, now, window);
        if (moved) {
          slotAt = earliest;
          sends = moved;
        } else {
          slotAt = earliestSlot(sends, earliest, window);
          if (slotAt - now > maxAheadMs) return { waitMs: slotAt - now, reason: 'rate-limit' };
          sends = withSlot(sends, slotAt, now, window);
        }
        changed = true;
      }
      if (!claim || slotAt - now > claim.whenWithinMs) return { slotAt };
      claims[claim.recordId] = now + claim.leaseMs;
      changed = true;
      return { slotAt, claimedUntil: claims[claim.recordId] };
    });
    if (!changed) return reservations;
    const next: RateState = { sends, version: state.version + 1, cooldownUntil, claims };
    try {
      const writeStarted = Date.now();
      await dynamodb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.rateLimit(robotId), sends: next.sends, version: next.version, ...(cooldownUntil && { cooldownUntil }), ...(Object.keys(claims).length > 0 && { claims }) },
          ConditionExpression: 'attribute_not_exists(pk) OR version = :version',
          ExpressionAttributeValues: { ':version': state.version },
        }),
      );
      meanWriteMs = 0.8 * meanWriteMs + 0.2 * (Date.now() - writeStarted);
      for (const known of knownMaps) known.set(robotId, next);
      return reservations;
    } catch (error) {
      for (const known of knownMaps) known.delete(robotId);
      if (!isConditionFailure(error)) throw error;
      if (attempt > 0) await sleep(2 + Math.random() * 10 * Math.min(attempt + 1, 5));
    }
  }
  // Heavy contention on one robot: back off through the queue rather than spin.
  return group.map(() => ({ waitMs: 1000, reason: 'rate-limit' }));
}
