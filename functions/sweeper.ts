// Scheduled: puts jobs of records stuck in queued back on the queue, so no push is lost for good, and
// releases the pushes held for quiet hours that have ended.
import middy from '@middy/core';
import { config } from '../lib/config';
import { releaseHeldPushes, requeueUnfinishedRecords } from '../lib/delivery/requeueUnfinished';
import { log } from '../lib/log';

export const handler = middy(async (): Promise<{ requeued: number; released: number }> => {
  const requeued = await requeueUnfinishedRecords(config.staleRecordMs);
  if (requeued > 0) log.warn('requeued stale push jobs', { requeued });
  const released = await releaseHeldPushes();
  if (released > 0) log.info('released held pushes', { robots: released });
  return { requeued, released };
});
