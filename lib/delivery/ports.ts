// What the worker needs from the world, as one interface: the batch is unit-tested with fakes of these, and
// deliveryPorts.ts wires them to DynamoDB, SQS and the chat services.
import type { FanOutJob, PushJob } from '../../schemas/pushJob';
import type { ChannelMessage } from '../channels';
import type { PushRecord } from '../domain/pushRecord';
import type { Robot } from '../domain/robot';
import type { SendWindowState } from '../domain/sendWindow';
import type { DeliveryInputs } from '../store/deliveryInputs';
import type { DeliveryAttempt } from './webhookClient';

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The FIFO message group: the robot for a push job. */
  groupId?: string;
  /** When the message was first sent to the queue (ms), for the queue-age metric. */
  sentAt?: number;
  receiveCount?: number;
}

export interface DeliveryPorts {
  /** The jobs' robots, templates, windows and records; `robotId`'s too when `jobs` holds none of its. */
  readInputs(jobs: PushJob[], robotId?: string): Promise<DeliveryInputs>;
  readRobot(id: string): Promise<Robot | undefined>;
  /** The robot's send window; written before every POST with the attempt as started (and the body it sends). */
  putWindow(robotId: string, window: SendWindowState): Promise<void>;
  /** Sends through one of the robot's webhooks (its key: lib/robots/webhookUrl.ts). */
  send(message: ChannelMessage, robot: Robot, webhook: string): Promise<DeliveryAttempt>;
  /** A stored screenshot's bytes (for services that take pictures as messages), or undefined when no longer kept. */
  readImage(id: string): Promise<Buffer | undefined>;
  /** Writes records after an attempt ended (or was found lost), each with its content when it carries one, in one request. */
  saveRecords(records: PushRecord[]): Promise<void>;
  /** Ends a record without sending (created if absent), with the content it would have sent when it carries one. */
  closeRecord(record: PushRecord, status: 'skipped' | 'failed', reason: string, now: number): Promise<void>;
  /** Holds a push for the robot's quiet hours (its record shows held until they end). */
  holdRecord(record: PushRecord, until: number, now: number): Promise<void>;
  /** A robot's held pushes as jobs, oldest first; those whose report is no longer kept are closed failed. */
  readHeld(workspaceId: string, robotId: string, limit: number): Promise<PushJob[]>;
  /** Queues a release of the robot's held pushes in its message group. */
  requestRelease(workspaceId: string, robotId: string): Promise<void>;
  /** A job that waits on the queue shows as queued meanwhile (an existing record is left as it is). */
  ensureQueued(record: PushRecord): Promise<void>;
  comeBackAt(receiptHandles: string[], at: number): Promise<void>;
  /** Parks a message that will not be delivered in the dead-letter queue, with the reason. */
  deadLetter(parked: { body: string; groupId: string; deduplicationId: string }, reason: string): Promise<void>;
  continueFanOut(job: FanOutJob): Promise<void>;
  countPermanentFailure(robot: Robot, failure: { errcode?: number; errmsg: string }): Promise<void>;
  clearFailureStreak(robotId: string): Promise<void>;
  metric(name: string, value: number, unit?: 'Count' | 'Milliseconds'): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}
