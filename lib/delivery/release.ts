// A robot's quiet hours ended: its held pushes go out now, oldest first (as digests when it takes them),
// ahead of the pushes queued behind this release in its group. If they cannot all go now, the release comes
// back when they can, and everything behind it waits.
import { comeBack, done, keepWindow, windowOf, type DeliveryContext, type Delivered } from './context';
import { deliverNext } from './deliverNext';
import { quietUntil } from './quietHours';
import { emptyWindow } from './sendWindow';

/** Held pushes a release reads at a time: a digest's worth, as a batch would hand them. */
const releasePage = 10;

export async function release(context: DeliveryContext, workspaceId: string, robotId: string): Promise<Delivered> {
  const { inputs, ports } = context;
  for (;;) {
    if (ports.now() > context.sendBy) return comeBack(ports.now() + 1000);
    const listed = await ports.readHeld(workspaceId, robotId, releasePage);
    const read = await ports.readInputs(listed, robotId);
    for (const [id, robot] of read.robots) inputs.robots.set(id, robot);
    for (const [id, template] of read.templates) inputs.templates.set(id, template);
    for (const [id, record] of read.records) inputs.records.set(id, record);
    // the window as this batch left it, if it sent for the robot already
    if (!inputs.windows.has(robotId)) inputs.windows.set(robotId, read.windows.get(robotId) ?? emptyWindow);
    // the status index is read eventually consistent: a push it still lists may be sent already
    const held = listed.filter((job) => inputs.records.get(job.recordId)?.status === 'held');
    const robot = inputs.robots.get(robotId);
    const window = windowOf(context, robotId);
    const quietEnd = robot?.quietHours && quietUntil(robot.quietHours, ports.now());
    if (held.length === 0 || quietEnd) {
      // nothing held (any more): later pushes stop joining; or quiet again: they join until the new end
      const { heldUntil: _released, ...rest } = window;
      await keepWindow(context, robotId, held.length === 0 ? rest : { ...window, heldUntil: quietEnd as number });
      return done();
    }
    let index = 0;
    while (index < held.length) {
      const outcome = await deliverNext(context, held.slice(index), true);
      if (outcome.kind === 'come-back') return outcome;
      if (outcome.kind === 'done') index += outcome.jobs;
    }
  }
}
