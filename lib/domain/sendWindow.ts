// A robot's send window as the worker keeps it: its webhooks' recent sends and cooldowns, whether quiet hours
// hold pushes, and the attempt last started. lib/delivery/sendWindow.ts does its maths; sendWindowStore keeps it.
import type { ChannelMessage } from '../channels';
import type { TemplateSnapshot } from './pushRecord';

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
  /**
   * The exact body sent and its template, when the attempt sent the push's message (not one of its pictures):
   * a worker that dies before recording the attempt leaves them here for the record that closes it.
   */
  content?: ChannelMessage;
  template?: TemplateSnapshot;
}
