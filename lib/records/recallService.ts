// An app robot's pushes pulled back from their groups (one push, or a whole report everywhere it went),
// and who read one: DingTalk's recall and read status, through the app that sent it. A webhook robot's
// push can do neither: the answer says so.
import type { AuditEvent } from '../audit/auditEvent';
import { auditEvent } from '../audit/auditEvent';
import { adapterOf } from '../channels';
import type { Caller } from '../domain/caller';
import type { PushRecord } from '../domain/pushRecord';
import type { AppTarget } from '../domain/robot';
import { conflict, notFound, notRecallable, tryAgainLater } from '../errors';
import { readsThroughApp, recallThroughApp } from '../dingtalkApps/appClient';
import { recordsStore } from '../store/recordsStore';
import type { DeliveryAttempt } from '../delivery/webhookClient';
import { loadRecord, toRecordDetail } from './recordService';

/** DingTalk recalls at most this many messages a call; a transaction takes 99 records with its event. */
const keysPerRecall = 20;
const recordsPerWrite = 99;

const webhookReason = (record: PushRecord) =>
  `it went to ${record.channel ? adapterOf(record.channel).name : 'its chat service'} through a webhook, which cannot recall a message or say who read it; only a dingtalk-app robot's push can`;

/** What DingTalk calls the push's messages: the message's key first, then its pictures'. */
const messageKeysOf = (record: PushRecord) => record.messageKeys ?? [];

/** The message DingTalk knows the push by, or why it cannot be recalled (or read). */
function recallableKeys(record: PushRecord): { target: AppTarget; keys: string[] } | { reason: string } {
  const keys = messageKeysOf(record);
  if (!record.app) return { reason: webhookReason(record) };
  if (record.status !== 'sent') return { reason: `it is ${record.status}, not sent` };
  if (record.digestId) return { reason: 'it went out merged into a digest with other pushes, which one push cannot pull back' };
  if (keys.length === 0) return { reason: 'DingTalk gave no key for it when it took it' };
  return { target: record.app, keys };
}

/** An OpenAPI call that did not answer: a refusal to act on, or a reason to try again. */
function unanswered(attempt: DeliveryAttempt, what: string): Error {
  if (attempt.outcome === 'retryable' || attempt.outcome === 'throttled' || attempt.outcome === 'uncertain')
    return tryAgainLater(`DingTalk did not ${what} this time (${attempt.errmsg}); try again`);
  return conflict(`DingTalk refused to ${what}: ${attempt.errmsg}`);
}

/** Recalls the keys from one group, 20 a call: the keys DingTalk recalled, and why not the rest. */
async function recallFromGroup(target: AppTarget, keys: string[]): Promise<{ recalled: string[]; failed: Record<string, string> }> {
  const recalled: string[] = [];
  const failed: Record<string, string> = {};
  for (let start = 0; start < keys.length; start += keysPerRecall) {
    const attempt = await recallThroughApp(target, keys.slice(start, start + keysPerRecall));
    if (attempt.outcome !== 'ok') throw unanswered(attempt, 'recall the message');
    const answer = attempt.response as { successResult?: string[]; failedResult?: Record<string, string> };
    recalled.push(...(answer.successResult ?? []));
    Object.assign(failed, answer.failedResult ?? {});
  }
  return { recalled, failed };
}

async function markRecalled(ids: string[], audit: () => AuditEvent): Promise<void> {
  for (let start = 0; start < ids.length; start += recordsPerWrite)
    await recordsStore.recalled(ids.slice(start, start + recordsPerWrite), Date.now(), audit());
}

export async function recallPushRecord(caller: Caller, id: string) {
  const record = await loadRecord(caller, id);
  const recallable = recallableKeys(record);
  if ('reason' in recallable) throw notRecallable(`Push record ${id} cannot be recalled: ${recallable.reason}`);
  // the message and its pictures with it
  const [message] = recallable.keys;
  const { recalled, failed } = await recallFromGroup(recallable.target, recallable.keys);
  if (!recalled.includes(message)) throw conflict(`DingTalk did not recall push record ${id}: ${failed[message] ?? 'no reason given'}`);
  await markRecalled([id], () => auditEvent(caller, 'push-record.recall', { id }, { status: { before: 'sent', after: 'recalled' } }));
  return toRecordDetail(await loadRecord(caller, id));
}

/** Every record of the event (all its pages). */
async function recordsOfEvent(caller: Caller, eventId: string): Promise<PushRecord[]> {
  const records: PushRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await recordsStore.list({ workspaceId: caller.workspaceId, eventId }, { limit: 100, cursor });
    records.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return records;
}

/** The report pulled back from every group it reached through an app robot; the answer names the rest and why. */
export async function recallEvent(caller: Caller, eventId: string) {
  const records = await recordsOfEvent(caller, eventId);
  if (records.length === 0) throw notFound(`No push records of event ${eventId}`);
  const notRecallable: { id: string; reason: string }[] = [];
  // each group's keys (messages and pictures) with the record each belongs to; a record is recalled when its message is
  const byGroup = new Map<string, { target: AppTarget; keys: Map<string, string>; messages: Set<string> }>();
  for (const record of records) {
    const recallable = recallableKeys(record);
    if ('reason' in recallable) {
      notRecallable.push({ id: record.id, reason: recallable.reason });
      continue;
    }
    const group = `${recallable.target.appId}/${recallable.target.openConversationId}`;
    const entry = byGroup.get(group) ?? { target: recallable.target, keys: new Map(), messages: new Set<string>() };
    for (const key of recallable.keys) entry.keys.set(key, record.id);
    entry.messages.add(recallable.keys[0]);
    byGroup.set(group, entry);
  }
  const recalled: string[] = [];
  for (const { target, keys, messages } of byGroup.values()) {
    const answer = await recallFromGroup(target, [...keys.keys()]);
    // as for one push: its message decides, and its pictures go with it
    recalled.push(...answer.recalled.filter((key) => messages.has(key)).map((key) => keys.get(key)!));
    for (const [key, reason] of Object.entries(answer.failed))
      if (messages.has(key)) notRecallable.push({ id: keys.get(key)!, reason: `DingTalk: ${reason}` });
  }
  await markRecalled(recalled, () => auditEvent(caller, 'event.recall', { id: eventId }, { recalled: { before: null, after: recalled } }));
  return { recalled, notRecallable };
}

/** Who read the push, as DingTalk reports it; data DingTalk has not made ready yet is said so, not failed. */
export async function readsOf(caller: Caller, id: string, cursor?: string) {
  const record = await loadRecord(caller, id);
  const [key] = messageKeysOf(record);
  if (!record.app) throw conflict(`Push record ${id} has no read list: ${webhookReason(record)}`);
  if (typeof key !== 'string') throw conflict(`Push record ${id} has no read list: it is ${record.status}, and DingTalk never took it`);
  const checkedAt = new Date().toISOString();
  const readUserIds: string[] = [];
  let next = cursor;
  let sendStatus = 'SUCCESS';
  // a read list is a few pages at most (200 a page); a longer one goes on through the cursor
  for (let page = 0; page < 10; page++) {
    const attempt = await readsThroughApp(record.app, key, next);
    if (attempt.code === 'processQueryKey.expireTime')
      return { ready: false, sendStatus: 'PROCESSING', readCount: 0, readUserIds: [], nextCursor: null, checkedAt };
    if (attempt.outcome !== 'ok') throw unanswered(attempt, 'say who read it');
    const answer = attempt.response as { sendStatus?: string; readUserIds?: string[]; hasMore?: boolean; nextToken?: string };
    sendStatus = answer.sendStatus ?? sendStatus;
    readUserIds.push(...(answer.readUserIds ?? []));
    next = answer.hasMore ? answer.nextToken : undefined;
    if (!next) break;
  }
  return { ready: true, sendStatus, readCount: readUserIds.length, readUserIds, nextCursor: next ?? null, checkedAt };
}
