// A batch of queued messages → delivered pushes. The queue's message groups (one per robot) hand this batch
// a robot's jobs in order and to no one else; within the batch each robot's jobs run one after another and
// different robots in parallel. Decisions come from decidePushStep; the deliver modules carry them out.
import { fanOutJobSchema, pushJobSchema, releaseJobSchema, type FanOutJob, type PushJob, type ReleaseJob } from '../../schemas/pushJob';
import { backoff } from '../backoff';
import { forEachConcurrently } from '../concurrency';
import { log } from '../log';
import type { DeliveryInputs } from '../store/deliveryInputs';
import { validateBody } from '../validation/validate';
import type { DeliveryContext, Delivered } from './context';
import type { DeliveryRules } from './decidePushStep';
import { deliverNext } from './deliverNext';
import type { DeliveryPorts, QueueMessage } from './ports';
import { workspaceOfJob } from '../domain/workspace';
import { release } from './release';

export type { DeliveryPorts, QueueMessage } from './ports';

export interface BatchResult {
  /** Messages to leave on the queue; each was already moved to when it should come back. */
  failedMessageIds: string[];
}

/** A release as parsed: its workspace known (a job queued before workspaces was published in `default`). */
type Release = ReleaseJob & { workspaceId: string };

type Parsed =
  | { message: QueueMessage; job: PushJob }
  | { message: QueueMessage; release: Release }
  | { message: QueueMessage; fanOut: FanOutJob }
  | { message: QueueMessage; poison: string };

/** What a robot's message group holds: its pushes, and releases of the pushes its quiet hours held. */
type GroupEntry = { message: QueueMessage; job: PushJob } | { message: QueueMessage; release: Release };

const groupsInFlight = 10;

/** Only the fields this version knows: a job from a newer or older version may carry others. */
function parse(message: QueueMessage): Parsed {
  try {
    const body = JSON.parse(message.body) as Record<string, unknown> | null;
    if (body?.kind === 'fanOut') {
      const { kind, workspaceId, report, from } = validateBody<FanOutJob>(fanOutJobSchema, body);
      return { message, fanOut: { kind, workspaceId: workspaceOfJob({ workspaceId }), report, from } };
    }
    if (body?.kind === 'release') {
      const { kind, workspaceId, robotId } = validateBody<ReleaseJob>(releaseJobSchema, body);
      return { message, release: { kind, workspaceId: workspaceOfJob({ workspaceId }), robotId } };
    }
    const { recordId, workspaceId, robotId, correlationId, queuedAt, robotName, templateId, report } = validateBody<PushJob>(
      pushJobSchema,
      body,
    );
    return {
      message,
      job: { recordId, workspaceId: workspaceOfJob({ workspaceId }), robotId, correlationId, queuedAt, robotName, templateId, report },
    };
  } catch (error) {
    return { message, poison: `not a push job: ${(error as Error).message}`.slice(0, 500) };
  }
}

/** Infrastructure failed (DynamoDB, SQS): the message comes back after a pause that grows with each receive. */
const infrastructureRetryAt = (message: QueueMessage, now: number) => now + backoff((message.receiveCount ?? 1) + 1, 1, 60) * 1000;

/** The batch's state: the ids to leave on the queue, and how messages are moved back. */
class Batch {
  readonly failedMessageIds: string[] = [];
  constructor(readonly ports: DeliveryPorts) {}

  async comeBack(entries: { message: QueueMessage }[], at: number): Promise<void> {
    this.failedMessageIds.push(...entries.map(({ message }) => message.messageId));
    // if this fails too, the messages come back after the queue's visibility timeout
    await this.ports
      .comeBackAt(
        entries.map(({ message }) => message.receiptHandle),
        at,
      )
      .catch((error: unknown) => log.error('could not move messages back on the queue', { error }));
  }

  async deadLetterPoison(message: QueueMessage, reason: string): Promise<void> {
    log.error('poison message: not a valid job; moved to the dead-letter queue', { messageId: message.messageId, reason });
    const parked = { body: message.body, groupId: message.groupId ?? 'poison', deduplicationId: message.messageId };
    await this.ports.deadLetter(parked, reason).catch((error: unknown) => {
      log.error('could not move a poison message to the dead-letter queue', { messageId: message.messageId, error });
      this.failedMessageIds.push(message.messageId);
    });
  }
}

export async function processPushJobs(
  messages: QueueMessage[],
  ports: DeliveryPorts,
  rules: DeliveryRules,
  sendBy: number,
): Promise<BatchResult> {
  const batch = new Batch(ports);
  const groups = new Map<string, GroupEntry[]>();
  const fanOuts: { message: QueueMessage; fanOut: FanOutJob }[] = [];
  for (const entry of messages.map(parse)) {
    if (entry.message.sentAt) ports.metric('QueueAge', ports.now() - entry.message.sentAt, 'Milliseconds');
    if ('poison' in entry) await batch.deadLetterPoison(entry.message, entry.poison);
    else if ('fanOut' in entry) fanOuts.push(entry);
    else {
      const groupId = entry.message.groupId ?? ('job' in entry ? entry.job.robotId : entry.release.robotId);
      groups.set(groupId, [...(groups.get(groupId) ?? []), entry]);
    }
  }
  await forEachConcurrently(fanOuts, groupsInFlight, (entry) => continueFanOut(batch, entry));
  const allEntries = [...groups.values()].flat();
  if (allEntries.length === 0) return { failedMessageIds: batch.failedMessageIds };
  let inputs: DeliveryInputs;
  try {
    inputs = await ports.readInputs(allEntries.flatMap((entry) => ('job' in entry ? [entry.job] : [])));
  } catch (error) {
    log.warn("could not read the batch's robots and records; its jobs come back", { error });
    await batch.comeBack(allEntries, infrastructureRetryAt(allEntries[0].message, ports.now()));
    return { failedMessageIds: batch.failedMessageIds };
  }
  const context: DeliveryContext = { inputs, ports, rules, sendBy };
  await forEachConcurrently([...groups.values()], groupsInFlight, (group) => runGroup(batch, context, group));
  return { failedMessageIds: batch.failedMessageIds };
}

async function continueFanOut(batch: Batch, { message, fanOut }: { message: QueueMessage; fanOut: FanOutJob }): Promise<void> {
  try {
    await batch.ports.continueFanOut(fanOut);
  } catch (error) {
    log.warn('fan-out page hit an infrastructure error; it comes back', {
      messageId: message.messageId,
      eventId: fanOut.report.eventId,
      error,
    });
    await batch.comeBack([{ message }], infrastructureRetryAt(message, batch.ports.now()));
  }
}

/** One robot's entries, in order: each waits for the one before; what cannot go now comes back with everything behind it. */
async function runGroup(batch: Batch, context: DeliveryContext, group: GroupEntry[]): Promise<void> {
  const { ports } = context;
  let index = 0;
  while (index < group.length) {
    const entry = group[index];
    // a batch holds up to 10 of a robot's jobs: those not started by the end of the invocation's budget go
    // back now, so no holder outlives its messages' visibility (or Lambda's timeout) and meets the next one
    if (ports.now() > context.sendBy) return batch.comeBack(group.slice(index), ports.now());
    let outcome: Delivered;
    try {
      outcome =
        'release' in entry
          ? await release(context, entry.release.workspaceId, entry.release.robotId)
          : await deliverNext(context, runOfPushes(group, index));
    } catch (error) {
      log.warn("push job hit an infrastructure error; it and the robot's later jobs come back", {
        messageId: entry.message.messageId,
        ...('job' in entry ? { recordId: entry.job.recordId } : { release: entry.release.robotId }),
        error,
      });
      return batch.comeBack(group.slice(index), infrastructureRetryAt(entry.message, ports.now()));
    }
    // the rest of the robot's jobs wait behind this one (or this digest), in order
    if (outcome.kind === 'come-back') return batch.comeBack(group.slice(index), outcome.at);
    if (outcome.kind === 'done') index += outcome.jobs;
  }
}

/** The group's pushes from `index` up to its next release: a digest never reaches past one. */
function runOfPushes(group: GroupEntry[], index: number): PushJob[] {
  const next = group.slice(index).findIndex((later) => 'release' in later);
  return group.slice(index, next < 0 ? undefined : index + next).flatMap((later) => ('job' in later ? [later.job] : []));
}
