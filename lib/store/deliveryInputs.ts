// What a worker batch reads before it sends, in one BatchGetItem: its robots, their send logs and the
// templates its jobs were queued with. One request instead of three matters most for the small batches
// a steady trickle of events makes, where these reads were most of the worker's requests.
import { batchGetItems, keys } from './table';
import { rateStateOf, type RateState } from './rateLimitStore';
import { robotFromItem, type Robot } from './robotsStore';
import { templateFromItem, templatesStore, type Template } from './templatesStore';

export interface DeliveryInputs {
  robots: Map<string, Robot>;
  rateStates: Map<string, RateState>;
  /** Every template asked for or used by a robot read; a template that does not exist maps to undefined. */
  templates: Map<string, Template | undefined>;
}

/**
 * Eventually consistent: a stale send log only makes reserve()'s conditional write fail and read again,
 * and a robot or template changed in the last second is the race BatchCache describes; it costs half.
 */
export async function readDeliveryInputs(robotIds: string[], expectedTemplateIds: string[]): Promise<DeliveryInputs> {
  const robotSet = [...new Set(robotIds)];
  const templateSet = [...new Set(expectedTemplateIds)];
  const items = await batchGetItems([...robotSet.map(keys.robot), ...robotSet.map(keys.rateLimit), ...templateSet.map(keys.template)]);
  const robots = new Map<string, Robot>();
  for (const id of robotSet) {
    const item = items.get(keys.robot(id).pk);
    if (item) robots.set(id, robotFromItem(item));
  }
  const rateStates = new Map(robotSet.map((id) => [id, rateStateOf(items.get(keys.rateLimit(id).pk))]));
  const templates = new Map<string, Template | undefined>();
  for (const id of templateSet) {
    const item = items.get(keys.template(id).pk);
    templates.set(id, item && templateFromItem(item));
  }
  // a robot switched to another template after its job was queued: that template in a second read
  const switched = [...new Set([...robots.values()].map((robot) => robot.templateId))].filter((id) => !templates.has(id));
  if (switched.length > 0) {
    const found = await templatesStore.getMany(switched);
    for (const id of switched) templates.set(id, found.get(id));
  }
  return { robots, rateStates, templates };
}
