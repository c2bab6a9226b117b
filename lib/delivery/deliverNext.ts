// The next of a robot's waiting pushes: alone, or the first few merged into a digest when the robot is behind.
import type { PushJob } from '../../schemas/pushJob';
import type { DeliveryContext, Delivered } from './context';
import { deliverDigest } from './deliverDigest';
import { deliverPush } from './deliverPush';
import { digestPlan } from './digestPlan';

/** `jobs`: one robot's, in order; `releasing`: quiet hours held them and have ended. */
export async function deliverNext(context: DeliveryContext, jobs: PushJob[], releasing = false): Promise<Delivered> {
  const plan = digestPlan(jobs, context.inputs, context.ports.now(), context.sendBy, context.rules, releasing);
  return plan ? deliverDigest(context, plan) : deliverPush(context, jobs[0], jobs.slice(1), releasing);
}
