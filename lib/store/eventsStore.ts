// Report events: one item per eventId makes intake idempotent and lets an interrupted fan-out resume.
import { PutCommand, UpdateCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { config } from '../config';
import { isConditionFailure, keys, tableName } from './table';
import type { ReportImage } from '../images/screenshots';
import type { ReportReadyEvent } from '../../schemas/event';

/** The event as the worker renders it (the job carries the same); kept so a push can be resent later. */
/** The report as stored and queued: its images as URLs (stored ones by id), never their bytes. */
export type StoredReport = Omit<ReportReadyEvent, 'robotIds' | 'images'> & { images?: ReportImage[] };

export interface EventEntry {
  workspaceId: string;
  eventId: string;
  reportId: string;
  report: StoredReport;
  status: 'fanning-out' | 'queued';
  jobs?: number;
  startedAt: number;
  /** sha256 of the event as published (robotIds included), so a reused eventId is told apart; absent on older items. */
  payloadHash?: string;
}

export const eventsStore = {
  /** Claims the eventId; returns the existing entry if the event was seen before. */
  async begin(workspaceId: string, report: StoredReport, payloadHash?: string): Promise<EventEntry | undefined> {
    const { eventId, reportId } = report;
    const entry: EventEntry = {
      workspaceId,
      eventId,
      reportId,
      report,
      status: 'fanning-out',
      startedAt: Date.now(),
      ...(payloadHash && { payloadHash }),
    };
    try {
      await dynamodb.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.event(workspaceId, eventId),
            ...entry,
            expiresAt: Math.floor(Date.now() / 1000) + config.recordRetentionDays * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.event(workspaceId, eventId), ConsistentRead: true }),
    );
    return Item as EventEntry;
  },

  /** Takes over a fan-out that stopped half-way (its intake crashed); only one caller wins. */
  async takeOver(entry: EventEntry, staleAfterMs: number): Promise<boolean> {
    try {
      await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.event(entry.workspaceId, entry.eventId),
          UpdateExpression: 'SET startedAt = :now',
          ConditionExpression: '#status = :fanningOut AND startedAt = :startedAt AND startedAt < :staleBefore',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':now': Date.now(),
            ':fanningOut': 'fanning-out',
            ':startedAt': entry.startedAt,
            ':staleBefore': Date.now() - staleAfterMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },

  async report(workspaceId: string, eventId: string): Promise<StoredReport | undefined> {
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.event(workspaceId, eventId), ProjectionExpression: 'report' }),
    );
    return Item?.report as StoredReport | undefined;
  },

  /** `report` for a run over many records: each event's report read once (an event's records share it). */
  reportsReadOnce(workspaceId: string): (eventId: string) => Promise<StoredReport | undefined> {
    const reports = new Map<string, Promise<StoredReport | undefined>>();
    return (eventId) => reports.get(eventId) ?? reports.set(eventId, eventsStore.report(workspaceId, eventId)).get(eventId)!;
  },

  async complete(workspaceId: string, eventId: string, jobs: number): Promise<void> {
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.event(workspaceId, eventId),
        UpdateExpression: 'SET #status = :queued, jobs = :jobs',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':queued': 'queued', ':jobs': jobs },
      }),
    );
  },

  /**
   * The eventId of a tool's delivery: a payload first seen less than `windowMs` ago is that delivery retried
   * and gets its eventId; otherwise it is a new notification (a repeat) with an eventId of its own.
   */
  async eventIdForDelivery(workspaceId: string, fingerprint: string, now: number, windowMs: number): Promise<string> {
    const fresh = `${fingerprint}:${now.toString(36)}`;
    try {
      await dynamodb.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.toolDelivery(workspaceId, fingerprint),
            workspaceId,
            eventId: fresh,
            firstSeenAt: now,
            expiresAt: Math.floor(now / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR firstSeenAt <= :windowStart',
          ExpressionAttributeValues: { ':windowStart': now - windowMs },
        }),
      );
      return fresh;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.toolDelivery(workspaceId, fingerprint), ConsistentRead: true }),
    );
    return (Item?.eventId as string | undefined) ?? fresh;
  },
};
