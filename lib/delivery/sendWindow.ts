// A robot's sliding send window: the times of its recent sends and, after a "too fast" answer, a cooldown. Pure maths;
// the item is stored by sendWindowStore and read and written only by the holder of the robot's message group.

import { ownWebhookKey, robotWebhooks } from '../robots/webhookUrl';
import type { Robot } from '../domain/robot';
import type { RateWindow, SendWindowLimit } from '../channels/adapter';
import type { SendWindowState, WebhookWindow } from '../domain/sendWindow';

export const emptyWindow: SendWindowState = { sends: [], cooldownUntil: 0 };

/**
 * The earliest moment at or after `now` when one more send keeps every window of `windowMs + marginMs` at or
 * under `messages`, and the burst's too: each holds from its own earliest moment on, so both from the later.
 */
export function earliestSlot(sends: number[], now: number, limit: SendWindowLimit): number {
  const within = (window: RateWindow) => {
    const span = window.windowMs + window.marginMs;
    const recent = sends.filter((at) => at > now - span).sort((a, b) => a - b);
    if (recent.length < window.messages) return now;
    return Math.max(now, recent[recent.length - window.messages] + span);
  };
  return limit.burst ? Math.max(within(limit), within(limit.burst)) : within(limit);
}

/** The window with a send at `at` added: only the latest `messages` sends decide the next slot, so the item stays that short. */
export function withSend<Window extends WebhookWindow>(window: Window, at: number, limit: SendWindowLimit): Window {
  return { ...window, sends: [...window.sends, at].sort((a, b) => a - b).slice(-limit.messages) };
}

/** The window of one of the robot's webhooks (lib/robots/webhookUrl.ts names them). */
export function webhookWindow(state: SendWindowState, key: string): WebhookWindow {
  return key === ownWebhookKey ? state : (state.pool?.[key] ?? emptyWindow);
}

/** The robot's state with one webhook's window replaced. */
export function withWebhookWindow(state: SendWindowState, key: string, window: WebhookWindow): SendWindowState {
  const { sends, cooldownUntil } = window;
  return key === ownWebhookKey
    ? { ...state, sends, cooldownUntil }
    : { ...state, pool: { ...state.pool, [key]: { sends, cooldownUntil } } };
}

/** How many messages the robot's webhooks could send right now, together, without waiting. */
export function freeSlots(state: SendWindowState, robot: Robot, now: number, limit: SendWindowLimit): number {
  const free = (sends: number[], window: RateWindow) =>
    Math.max(0, window.messages - sends.filter((at) => at > now - window.windowMs - window.marginMs).length);
  return robotWebhooks(robot)
    .map(({ key }) => webhookWindow(state, key))
    .filter((window) => window.cooldownUntil <= now)
    .reduce((total, { sends }) => total + Math.min(free(sends, limit), limit.burst ? free(sends, limit.burst) : Infinity), 0);
}

/**
 * The webhook to send through next: the one whose next slot (after any cooldown) is earliest, the first
 * listed on a tie. Each webhook is its own robot to the chat service, with its own rate limit.
 */
export function nextWebhookSlot(
  state: SendWindowState,
  robot: Robot,
  now: number,
  limit: SendWindowLimit,
): { webhook: string; at: number; cooling: boolean } {
  let next = { webhook: ownWebhookKey, at: Infinity, cooling: false };
  for (const { key: webhook } of robotWebhooks(robot)) {
    const window = webhookWindow(state, webhook);
    const at = earliestSlot(window.sends, Math.max(now, window.cooldownUntil), limit);
    if (at < next.at) next = { webhook, at, cooling: window.cooldownUntil > now };
  }
  return next;
}

/**
 * How late a send may start after the time written for it: half the margin. The other half covers the
 * POST's way to the chat service, so arrivals never come closer than a window to the sends they are counted from.
 */
export function lateToleranceMs(limit: SendWindowLimit): number {
  return Math.max(10, Math.floor(Math.min(limit.marginMs, limit.burst?.marginMs ?? Infinity) / 2));
}
