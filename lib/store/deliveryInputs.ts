// What a worker batch reads before it sends, in one consistent BatchGetItem: its robots, their send windows,
// the records of its jobs (finished already?) and the templates its jobs were queued with.
import { sendWindowOf } from './sendWindowStore';
import type { SendWindowState } from '../domain/sendWindow';
import { fromRecordItem } from './recordsStore';
import type { PushRecord } from '../domain/pushRecord';
import { robotFromItem } from './robotsStore';
import type { Robot } from '../domain/robot';
import { batchGetItems, keys } from './table';
import { templateFromItem, templatesStore } from './templatesStore';
import type { Template } from '../domain/template';

export interface DeliveryInputs {
  robots: Map<string, Robot>;
  windows: Map<string, SendWindowState>;
  records: Map<string, PushRecord>;
  /** Every template asked for or used by a robot read; a template that does not exist maps to undefined. */
  templates: Map<string, Template | undefined>;
}

/**
 * Consistent reads: the window and record decide whether and when to send, and only this batch's holder of
 * each robot's group writes them. A robot disabled or a template edited while a send is in flight is the
 * one race left, and it is the same as a send that started a moment earlier.
 */
export async function readDeliveryInputs(
  jobs: { robotId: string; recordId: string; templateId?: string }[],
  robotId?: string,
): Promise<DeliveryInputs> {
  const robotIds = [...new Set([...jobs.map((job) => job.robotId), ...(robotId ? [robotId] : [])])];
  const recordIds = [...new Set(jobs.map((job) => job.recordId))];
  const templateIds = [...new Set(jobs.flatMap((job) => (job.templateId ? [job.templateId] : [])))];
  const items = await batchGetItems(
    [...robotIds.map(keys.robot), ...robotIds.map(keys.rateLimit), ...recordIds.map(keys.record), ...templateIds.map(keys.template)],
    true,
  );
  const robots = new Map<string, Robot>();
  for (const id of robotIds) {
    const item = items.get(keys.robot(id).pk);
    if (item) robots.set(id, robotFromItem(item));
  }
  const windows = new Map(robotIds.map((id) => [id, sendWindowOf(items.get(keys.rateLimit(id).pk))]));
  const records = new Map<string, PushRecord>();
  for (const id of recordIds) {
    const item = items.get(keys.record(id).pk);
    if (item) records.set(id, fromRecordItem(item));
  }
  const templates = new Map<string, Template | undefined>();
  for (const id of templateIds) {
    const item = items.get(keys.template(id).pk);
    templates.set(id, item && templateFromItem(item));
  }
  // a robot switched to another template after its job was queued: that template in a second read
  const switched = [...new Set([...robots.values()].map((robot) => robot.templateId))].filter((id) => !templates.has(id));
  if (switched.length > 0) {
    const found = await templatesStore.getMany(switched);
    for (const id of switched) templates.set(id, found.get(id));
  }
  return { robots, windows, records, templates };
}
