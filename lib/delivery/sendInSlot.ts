// Takes a slot in the robot's send window and sends. The slot, and the attempt as started (with the body it
// sends), are written into the window before the POST: a worker that dies after sending must neither leave
// the window short nor let its attempt pass unnoticed, and that one write is all it costs.
import type { ChannelMessage } from '../channels';
import type { Robot } from '../domain/robot';
import type { InFlightAttempt, SendWindowState } from '../domain/sendWindow';
import { keepWindow, windowOf, type DeliveryContext } from './context';
import { earliestSlot, lateToleranceMs, webhookWindow, withSend, withWebhookWindow } from './sendWindow';
import type { DeliveryAttempt } from './webhookClient';

export interface SlotSend {
  robot: Robot;
  /** Which of the robot's webhooks (its key: lib/robots/webhookUrl.ts). */
  webhook: string;
  /** When the slot is free (now, or a moment ahead). */
  slotAt: number;
  body: ChannelMessage;
  attempt: Omit<InFlightAttempt, 'at'>;
}

/** A write slow enough to make the send late writes a later time (the first was never used). */
export async function sendInSlot(
  context: DeliveryContext,
  { robot, webhook, slotAt, body, attempt }: SlotSend,
): Promise<{ result: DeliveryAttempt; window: SendWindowState }> {
  const { ports } = context;
  const window = windowOf(context, robot.id);
  const webhookSends = webhookWindow(window, webhook);
  const { limit } = context.rules.channels[robot.channel];
  const started = (at: number): SendWindowState => ({
    ...withWebhookWindow(window, webhook, withSend(webhookSends, at, limit)),
    inFlight: { ...attempt, at },
  });
  let taken = started(slotAt);
  await keepWindow(context, robot.id, taken);
  await ports.sleep(slotAt - ports.now());
  while (ports.now() - slotAt > lateToleranceMs(limit)) {
    slotAt = earliestSlot(webhookSends.sends, ports.now(), limit);
    taken = started(slotAt);
    await keepWindow(context, robot.id, taken);
    await ports.sleep(slotAt - ports.now());
  }
  const result = await ports.send(body, robot, webhook);
  // the service counted the message on arrival, before its answer: an answer later than the other half of
  // the margin moves the send to the answer's time, so the next sends keep their distance from it
  if (ports.now() - slotAt > lateToleranceMs(limit)) {
    taken = started(ports.now());
    await keepWindow(context, robot.id, taken);
  }
  ports.metric('WebhookLatency', result.durationMs, 'Milliseconds');
  return { result, window: taken };
}
