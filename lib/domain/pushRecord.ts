// A push record: one push job's story (its status, every attempt, what was sent) and the transitions an
// attempt's end makes of it. Pure; recordsStore keeps records, the worker makes them.
import type { AppTarget } from './robot';
import type { PushStatus } from '../../schemas/pushRecord';
import type { Channel, ChannelMessage } from '../channels';
import { config } from '../config';
import type { AttemptResult } from '../delivery/webhookClient';

export interface AttemptLogEntry {
  at: string;
  /** not-sent: safe to send again; answered: status and errcode say what happened; uncertain: may be in the group. */
  result: AttemptResult;
  httpStatus?: number;
  errcode?: number;
  errmsg: string;
  durationMs: number;
  /** Which of the robot's webhooks the attempt went through, masked. */
  webhook?: string;
  /** The attempt sent this push in a digest. */
  digestId?: string;
}

export interface PictureSent {
  name: string;
  md5: string;
  bytes: number;
}

export interface TemplateSnapshot {
  id: string;
  name: string;
  version: number;
  msgType: string;
  [field: string]: unknown;
}

export interface PushRecord {
  id: string;
  workspaceId: string;
  eventId: string;
  reportId: string;
  reportName: string;
  robotId: string;
  robotName: string;
  /** The robot's chat service when the push was made; absent only when the robot was deleted before that. */
  channel?: Channel;
  templateId: string;
  templateName: string;
  status: PushStatus;
  attempts: number;
  /** How many attempts ended without a known outcome: the group may show this push that many times more. */
  uncertain?: number;
  /** While held for the robot's quiet hours: when they end. */
  heldUntil?: string;
  /** While a failed attempt waits to be retried: when the next one is due. */
  nextAttemptAt?: string;
  /** Attempts left out of the middle of attemptLog, which keeps the first and the latest. */
  attemptsOmitted?: number;
  /** The record a resend created from this one. */
  resentAs?: string;
  /** The digest this push was last sent in (its record: the exact message the group got). */
  digestId?: string;
  /** A digest's record: the pushes it carries, in order. */
  members?: string[];
  /** Which of the robot's webhooks the latest attempt went through, masked (numbered from #1 when it has a pool). */
  webhook?: string;
  /**
   * WeCom: present once the push's message is in the group and its screenshots follow as image messages of
   * their own, each as sent (the md5 of the stored bytes); the push is sent when the last one is.
   */
  picturesSent?: PictureSent[];
  errcode?: number;
  errmsg?: string;
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  /** When an admin marked an unconfirmed push delivered. */
  confirmedAt?: string;
  /** An app robot's push: the app and group it went to (what a recall and a read list ask DingTalk about). */
  app?: AppTarget;
  /** When it was pulled back from the group (status recalled). */
  recalledAt?: string;
  /** What the service calls each message of the push it took, the message's first, then its pictures' (an app robot's processQueryKeys). */
  messageKeys?: string[];
  resendOf?: string;
  content?: ChannelMessage;
  /** Bytes of the body as sent (UTF-8). */
  contentBytes?: number;
  template?: TemplateSnapshot;
  response?: unknown;
  attemptLog: AttemptLogEntry[];
  expiresAt: number;
}

export type NewPushRecord = Pick<
  PushRecord,
  'id' | 'workspaceId' | 'eventId' | 'reportId' | 'reportName' | 'robotId' | 'robotName' | 'templateId' | 'templateName' | 'channel' | 'app'
> & {
  resendOf?: string;
};

// unconfirmed: the robot holds an uncertain push for an admin; it is not sent again on its own
const terminalStatuses: PushStatus[] = ['sent', 'failed', 'skipped', 'unconfirmed', 'recalled'];

export function isTerminal(status: PushStatus): boolean {
  return terminalStatuses.includes(status);
}

export function newQueuedRecord(fields: NewPushRecord, now = new Date()): PushRecord {
  return {
    ...fields,
    status: 'queued',
    attempts: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    attemptLog: [],
    expiresAt: Math.floor(now.getTime() / 1000) + config.recordRetentionDays * 86_400,
  };
}

const attemptLogHead = 3;
const attemptLogTail = 17;

/** The log with one more attempt, bounded: the first attempts and the latest kept, those between counted. */
function withAttempt(record: PushRecord, entry: AttemptLogEntry): Pick<PushRecord, 'attemptLog' | 'attemptsOmitted' | 'uncertain'> {
  const log = [...record.attemptLog, entry];
  const dropped = Math.max(0, log.length - attemptLogHead - attemptLogTail);
  return {
    attemptLog: dropped === 0 ? log : [...log.slice(0, attemptLogHead), ...log.slice(attemptLogHead + dropped)],
    ...((record.attemptsOmitted ?? 0) + dropped > 0 && { attemptsOmitted: (record.attemptsOmitted ?? 0) + dropped }),
    ...((record.uncertain ?? 0) + (entry.result === 'uncertain' ? 1 : 0) > 0 && {
      uncertain: (record.uncertain ?? 0) + (entry.result === 'uncertain' ? 1 : 0),
    }),
  };
}

/** A record whose attempt ended it: what the service answered (or that nobody knows), and the attempt in the log. */
export function finishedRecord(attempted: PushRecord, outcome: Outcome, now: number): PushRecord {
  const at = new Date(now).toISOString();
  const { nextAttemptAt: _next, ...rest } = attempted;
  return {
    ...rest,
    status: outcome.status,
    updatedAt: at,
    ...(outcome.status === 'sent' && { sentAt: at }),
    ...(outcome.errcode !== undefined && { errcode: outcome.errcode }),
    ...(outcome.errmsg !== undefined && { errmsg: outcome.errmsg }),
    ...(outcome.response !== undefined && { response: outcome.response }),
    ...withAttempt(attempted, outcome.entry),
  };
}

/** A record whose message (or one of its pictures) went, with more of its pictures to follow: queued still. */
export function partSentRecord(attempted: PushRecord, entry: AttemptLogEntry, picturesSent: PictureSent[]): PushRecord {
  const { nextAttemptAt: _next, ...rest } = attempted;
  return { ...rest, status: 'queued', updatedAt: entry.at, picturesSent, ...withAttempt(attempted, entry) };
}

/** A record whose attempt failed in a way worth retrying: logged, and queued again until `nextAttemptAt`. */
export function retryingRecord(attempted: PushRecord, entry: AttemptLogEntry, nextAttemptAt: number): PushRecord {
  return {
    ...attempted,
    status: 'queued',
    updatedAt: entry.at,
    nextAttemptAt: new Date(nextAttemptAt).toISOString(),
    errmsg: entry.errmsg,
    ...(entry.errcode !== undefined && { errcode: entry.errcode }),
    ...withAttempt(attempted, entry),
  };
}

/** How an attempt ended. */
export interface Outcome {
  status: 'sent' | 'failed' | 'unconfirmed';
  entry: AttemptLogEntry;
  errcode?: number;
  errmsg?: string;
  response?: unknown;
}
