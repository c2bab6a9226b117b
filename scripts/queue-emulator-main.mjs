// The local SQS/S3 emulator (fauxqs), persisted to FAUXQS_DATA_DIR when it is set (fauxqs's own CLI takes
// no data directory). Plain ESM JavaScript: fauxqs is ESM-only. Stops on SIGTERM or SIGINT.
import net from 'node:net';
import { startFauxqs } from 'fauxqs';

// fauxqs listens on 0.0.0.0 and takes no address to listen on: keep it on loopback
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (args[0] && typeof args[0] === 'object' && args[0].host === '0.0.0.0') args[0] = { ...args[0], host: '127.0.0.1' };
  else if (args[1] === '0.0.0.0') args[1] = '127.0.0.1';
  return listen.apply(this, args);
};

// Two differences from SQS in fauxqs 2.4's FIFO queues, fixed here on its own queue class:
// - SQS hands a receiver as many messages of a group as it can (up to 10, in order), which is how the worker
//   sees a robot's backlog; fauxqs stops at one per group. The rest of each group received are taken one at
//   a time through fauxqs's own dequeue (its visibility, locks and dead-letter handling).
// - Messages of a group that become visible again together went back in reverse order (one unshift
//   each); they are put back in the order they were sent (their sequence numbers).
const { SqsQueue } = await import(new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs')).href);
const inSendOrder = (queue, groups) => {
  for (const group of groups) queue.fifoMessages.get(group)?.sort((a, b) => (a.sequenceNumber < b.sequenceNumber ? -1 : 1));
};
const processTimers = SqsQueue.prototype.processTimers;
SqsQueue.prototype.processTimers = function processTimersInOrder() {
  if (!this.isFifo()) return processTimers.call(this);
  // a second of slack: a group sorted that did not need it is still in order
  const soon = Date.now() + 1000;
  const returning = new Set(
    [...this.inflightMessages.values()].filter((entry) => entry.visibilityDeadline <= soon).map((entry) => entry.message.messageGroupId),
  );
  processTimers.call(this);
  inSendOrder(this, returning);
};
const changeVisibility = SqsQueue.prototype.changeVisibility;
SqsQueue.prototype.changeVisibility = function changeVisibilityInOrder(receiptHandle, timeoutSeconds) {
  const group = this.inflightMessages.get(receiptHandle)?.message.messageGroupId;
  const result = changeVisibility.call(this, receiptHandle, timeoutSeconds);
  if (this.isFifo() && group) inSendOrder(this, [group]);
  return result;
};
const dequeueOnePerGroup = SqsQueue.prototype.dequeueFifo;
SqsQueue.prototype.dequeueFifo = function dequeueLikeSqs(maxCount, visibilityTimeoutOverride, dlqResolver) {
  const count = Math.min(maxCount, 10);
  const received = [];
  while (received.length < count) {
    // the next group's first message, then as many more of that group as fit
    const first = dequeueOnePerGroup.call(this, 1, visibilityTimeoutOverride, dlqResolver);
    if (first.length === 0) break;
    received.push(...first);
    const group = this.inflightMessages.get(first[0].ReceiptHandle)?.message.messageGroupId;
    const all = this.fifoMessages;
    while (received.length < count && (all.get(group)?.length ?? 0) > 0) {
      const locks = this.fifoLockedGroups.get(group) ?? 0;
      // fauxqs's dequeue sees only this group, unlocked (timers ran already); the locks are counted back after
      this.fifoMessages = new Map([[group, all.get(group)]]);
      this.fifoLockedGroups.delete(group);
      this.processTimers = () => {};
      let more = [];
      try {
        more = dequeueOnePerGroup.call(this, 1, visibilityTimeoutOverride, dlqResolver);
      } finally {
        delete this.processTimers;
        this.fifoMessages = all;
        if ((all.get(group)?.length ?? 0) === 0) all.delete(group);
        this.fifoLockedGroups.set(group, locks + (this.fifoLockedGroups.get(group) ?? 0));
      }
      if (more.length === 0) break;
      received.push(...more);
    }
  }
  return received;
};

const dataDir = process.env.FAUXQS_DATA_DIR;
const server = await startFauxqs({ port: Number(process.env.FAUXQS_PORT), host: 'localhost', logger: false, ...(dataDir && { dataDir }) });
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
