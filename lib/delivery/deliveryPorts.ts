// The worker's ports wired to DynamoDB, SQS, the chat services and the clock.
import { channels } from '../../schemas/robot';
import { adapterOf } from '../channels';
import { config } from '../config';
import { sleep } from '../concurrency';
import { sendToRobot } from './webhookClient';
import { sendThroughApp } from '../dingtalkApps/appClient';
import { log } from '../log';
import { continueFanOut } from '../events/publishReportReady';
import type { PushJob } from '../../schemas/pushJob';
import { comeBackAt, enqueuePushJobs, sendToDeadLetterQueue } from '../queue/pushJobsQueue';
import { eventsStore } from '../store/eventsStore';
import { setRobotEnabled } from '../robots/robotService';
import { robotWebhooks } from '../robots/webhookUrl';
import { readDeliveryInputs } from '../store/deliveryInputs';
import { recordsStore } from '../store/recordsStore';
import { open } from '../secrets/secretBox';
import { robotsStore } from '../store/robotsStore';
import { imagesStore } from '../store/imagesStore';
import { sendWindowStore } from '../store/sendWindowStore';
import type { DeliveryRules } from './decidePushStep';
import type { DeliveryPorts } from './ports';
import { systemCaller } from '../domain/caller';
import type { Robot } from '../domain/robot';

export const deliveryRules: DeliveryRules = {
  channels: Object.fromEntries(
    channels.map((channel) => {
      const { limit, throttleCooldownMs } = adapterOf(channel);
      return [channel, { limit, throttleCooldownMs }];
    }),
  ) as DeliveryRules['channels'],
  inlineWaitMs: config.inlineWaitMaxMs,
  retryWindowMs: config.retryWindowMs,
  retryBaseSeconds: config.retryBaseSeconds,
  retryMaxSeconds: config.retryMaxSeconds,
};

/** Metric values recorded by the ports of one batch; the handler publishes them. */
export function deliveryPorts(metric: DeliveryPorts['metric']): DeliveryPorts {
  return {
    readInputs: readDeliveryInputs,
    readRobot: (id) => robotsStore.get(id),
    putWindow: (robotId, window) => sendWindowStore.put(robotId, window),
    // the worker is the one place the credentials are opened
    send: async (message, robot, key) => {
      if (robot.app) return sendThroughApp(message, robot.app);
      const webhook = robotWebhooks(robot).find((candidate) => candidate.key === key);
      if (!webhook?.webhookUrl) throw new Error(`robot ${robot.id} has no webhook ${key}`);
      return sendToRobot(adapterOf(robot.channel), message, {
        webhookUrl: await open(webhook.webhookUrl),
        secret: webhook.secret && (await open(webhook.secret)),
        timeoutMs: config.webhookTimeoutMs,
      });
    },
    readImage: async (id) => (await imagesStore.get(id))?.body,
    saveRecords: (records) => recordsStore.putAll(records),
    closeRecord: async (record, status, reason, now) => {
      await recordsStore.close(record, status, reason, now);
    },
    holdRecord: async (record, until, now) => {
      await recordsStore.hold(record, until, now);
    },
    readHeld,
    requestRelease: (workspaceId, robotId) => enqueuePushJobs([{ kind: 'release', workspaceId, robotId }]),
    ensureQueued: (record) => recordsStore.ensureQueued(record),
    comeBackAt,
    deadLetter: ({ body, groupId, deduplicationId }, reason) => sendToDeadLetterQueue(body, reason, groupId, deduplicationId),
    continueFanOut: async (job) => {
      await continueFanOut(job);
    },
    countPermanentFailure,
    clearFailureStreak: (robotId) => robotsStore.clearFailureStreak(robotId),
    metric,
    now: Date.now,
    sleep,
  };
}

async function readHeld(workspaceId: string, robotId: string, limit: number): Promise<PushJob[]> {
  const reportOf = eventsStore.reportsReadOnce(workspaceId);
  const jobs: PushJob[] = [];
  for (const record of await recordsStore.held(workspaceId, robotId, limit)) {
    const report = await reportOf(record.eventId);
    if (!report) {
      await recordsStore.close(record, 'failed', 'The report data of this held push is no longer kept (past retention); it cannot be sent');
      continue;
    }
    jobs.push({
      recordId: record.id,
      workspaceId,
      robotId,
      robotName: record.robotName,
      templateId: record.templateId,
      queuedAt: record.createdAt,
      correlationId: record.eventId,
      report,
    });
  }
  return jobs;
}

async function countPermanentFailure({ id: robotId, workspaceId }: Robot, failure: { errcode?: number; errmsg: string }): Promise<void> {
  const streak = await robotsStore.recordPermanentFailure(robotId);
  if (streak < config.autoDisableAfterFailures) return;
  const robot = await robotsStore.get(robotId);
  if (!robot?.enabled) return;
  const reason = `Disabled automatically after ${streak} consecutive failed pushes; last error: ${failure.errmsg}`;
  try {
    await setRobotEnabled(systemCaller(workspaceId), robotId, false, reason, {
      failures: streak,
      ...(failure.errcode !== undefined && { errcode: failure.errcode }),
      errmsg: failure.errmsg,
    });
    log.warn('robot disabled automatically', { robotId, streak });
  } catch (error) {
    // an admin edited the robot at the same moment; the next failure will try again
    log.warn('could not disable robot automatically', { robotId, error });
  }
}
