// Scheduled: puts jobs of records stuck in queued back on the queue, so no push is lost for good.
import middy from '@middy/core';
import { config } from '../lib/config';
import { requeueUnfinishedRecords } from '../lib/delivery/requeueUnfinished';
import { log } from '../lib/log';

export const handler = middy(async (): Promise<{ requeued: number }> => {
  const requeued = await requeueUnfinishedRecords(config.staleRecordMs);
  if (requeued > 0) log.warn('requeued stale push jobs', { requeued });
  return { requeued };
});
