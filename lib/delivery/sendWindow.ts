// A robot's sliding send window: the times of its recent sends and, after a 130101, a cooldown. Pure maths;
// the item is stored by sendWindowStore and read and written only by the holder of the robot's message group.

import type { SendWindowState } from '../store/sendWindowStore';

export interface SendWindowLimit {
  messages: number;
  windowMs: number;
  /** Extra spacing per window: DingTalk counts arrivals on its own clock. */
  marginMs: number;
}

export const emptyWindow: SendWindowState = { sends: [], cooldownUntil: 0 };

/** The earliest moment at or after `now` when one more send keeps every window of `windowMs + marginMs` at or under `messages`. */
export function earliestSlot(sends: number[], now: number, limit: SendWindowLimit): number {
  const span = limit.windowMs + limit.marginMs;
  const recent = sends.filter((at) => at > now - span).sort((a, b) => a - b);
  if (recent.length < limit.messages) return now;
  return Math.max(now, recent[recent.length - limit.messages] + span);
}

/** The window with a send at `at` added: only the latest `messages` sends decide the next slot, so the item stays that short. */
export function withSend(window: SendWindowState, at: number, limit: SendWindowLimit): SendWindowState {
  return { ...window, sends: [...window.sends, at].sort((a, b) => a - b).slice(-limit.messages) };
}

/**
 * How late a send may start after the time written for it: half the margin. The other half covers the
 * POST's way to DingTalk, so arrivals never come closer than a window to the sends they are counted from.
 */
export function lateToleranceMs(limit: SendWindowLimit): number {
  return Math.max(10, Math.floor(limit.marginMs / 2));
}
