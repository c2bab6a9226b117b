// A tool's webhook (Alertmanager, Grafana, Superset, Metabase) published as a report event, once its route
// has checked it against the tool's schema: mapped, given an eventId, and fanned out on the same path as /events/report-ready.
import { createHash } from 'node:crypto';
import { reportReadyEventSchema, type ReportReadyEvent } from '../../schemas/event';
import type { ToolSource } from '../../schemas/sources';
import { canonicalJson } from '../canonicalJson';
import { DomainError, tryAgainLater } from '../errors';
import { publishReportReady, type IntakeResult } from '../events/publishReportReady';
import { eventsStore } from '../store/eventsStore';
import { validateBody } from '../validation/validate';
import { toolEvent } from './toolEvents';

/**
 * The tools retry a delivery that failed with the same payload, within minutes (Alertmanager and Grafana
 * until the group_interval ends, 5 minutes by default; Superset for at most 2 minutes). The same payload
 * later is a repeat notification (repeat_interval), which is a new push.
 */
export const toolRetryWindowMs = 10 * 60_000;

/** What tells one notification from another: the tool and a hash of its payload, however its keys were ordered. */
export const deliveryFingerprint = (source: ToolSource, payload: unknown) =>
  `${source}:${createHash('sha256').update(canonicalJson(payload)).digest('base64url').slice(0, 22)}`;

/** `payload` was checked against the tool's schema by its route (schemas/routes.ts) before it got here. */
export async function publishToolEvent(
  workspaceId: string,
  source: ToolSource,
  payload: unknown,
  origin?: string,
  now = Date.now(),
): Promise<IntakeResult> {
  // the mapped event meets the same schema as a published one (checked before anything is written), so no job
  // can carry what a worker refuses
  const event = validateBody<Omit<ReportReadyEvent, 'eventId'>>(reportReadyEventSchema, {
    ...toolEvent[source](payload as never),
    eventId: `${source}:pending`,
  });
  const eventId = await eventsStore.eventIdForDelivery(workspaceId, deliveryFingerprint(source, payload), now, toolRetryWindowMs);
  try {
    return await publishReportReady(workspaceId, { ...event, eventId }, origin);
  } catch (error) {
    // "still being queued" (an earlier delivery's intake running or crashed): the tools retry a 5xx, and give up on a 409
    if (error instanceof DomainError && error.code === 'Conflict') throw tryAgainLater(error.message);
    throw error;
  }
}
