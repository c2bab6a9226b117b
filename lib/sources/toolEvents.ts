// Each tool's webhook payload as a report event: which report it is, its name and link, the data the
// templates see (the payload, plus lists Mustache can loop over) and its screenshots. Pure; no I/O.
import type { ReportReadyEvent } from '../../schemas/event';
import {
  imageDataUrlPattern,
  type AlertmanagerPayload,
  type GrafanaPayload,
  type MetabasePayload,
  type SupersetPayload,
  type ToolSource,
} from '../../schemas/sources';
import type { AtSettings } from '../channels/message';

export type ToolEvent = Omit<ReportReadyEvent, 'eventId' | 'robotIds'>;

/** Alerts kept in the event: more than fit one chat message (20,000 bytes) anyway; the rest are counted. */
export const alertsKept = 20;
/** Table rows kept from a Metabase alert; `rowCount` tells how many there were. */
export const rowsKept = 50;
/** A firing alert with one of these `severity` labels is urgent: it goes out inside a robot's quiet hours too. */
export const urgentSeverities = ['critical', 'page'];

type Labels = Record<string, string> | undefined;
type Alert = { status: 'firing' | 'resolved'; labels: Labels; annotations?: Labels; imageURL?: string };
type AlertGroup = {
  status: 'firing' | 'resolved';
  receiver: string;
  alerts: Alert[];
  groupLabels?: Labels;
  commonLabels?: Labels;
  commonAnnotations?: Labels;
  truncatedAlerts?: number;
  externalURL?: string;
};

/** Mustache cannot loop over an object's keys: labels and annotations also come as `[{name, value}]`. */
const pairs = (map: Labels) => Object.entries(map ?? {}).map(([name, value]) => ({ name, value }));

/** An http(s) URL the event may carry, or nothing (tools send "" for a link they do not have). */
function httpUrl(value: string | null | undefined): string | undefined {
  if (!value || value.length > 2000) return undefined;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol) ? value : undefined;
  } catch {
    return undefined;
  }
}

const mobilePattern = /^\+?[0-9][0-9-]{3,19}$/;
const userIdPattern = /^\S{1,100}$/;

/** `atMobiles`, `atUserIds` (comma or space separated) and `isAtAll: "true"` from labels or annotations. */
export function mentionsFrom(maps: Labels[]): AtSettings | undefined {
  const collect = (key: string, pattern: RegExp) =>
    [...new Set(maps.flatMap((map) => (map?.[key] ?? '').split(/[\s,;，；]+/).filter((value) => pattern.test(value))))].slice(0, 20);
  const atMobiles = collect('atMobiles', mobilePattern);
  const atUserIds = collect('atUserIds', userIdPattern);
  const isAtAll = maps.some((map) => map?.isAtAll?.trim().toLowerCase() === 'true');
  if (atMobiles.length === 0 && atUserIds.length === 0 && !isAtAll) return undefined;
  return { ...(atMobiles.length > 0 && { atMobiles }), ...(atUserIds.length > 0 && { atUserIds }), ...(isAtAll && { isAtAll }) };
}

/** Alertmanager's own default title, `[FIRING:2] <group label values>`; Grafana's often groups by nothing, so then the common labels. */
function alertTitle(group: AlertGroup, firing: number): string {
  const values = (labels: Labels) => Object.values(labels ?? {}).join(' ');
  const subject = values(group.groupLabels) || group.commonLabels?.alertname || values(group.commonLabels) || group.receiver;
  return `[${group.status.toUpperCase()}${group.status === 'firing' ? `:${firing}` : ''}] ${subject}`.slice(0, 500);
}

function alertGroupEvent<P extends AlertGroup>(source: 'alertmanager' | 'grafana', payload: P): ToolEvent {
  const kept = payload.alerts.slice(0, alertsKept);
  const mention = mentionsFrom([
    payload.commonAnnotations,
    payload.commonLabels,
    ...payload.alerts.flatMap((alert) => [alert.annotations, alert.labels]),
  ]);
  const url = httpUrl(payload.externalURL);
  const firingCount = payload.alerts.filter((alert) => alert.status === 'firing').length;
  const urgent = payload.alerts.some((alert) => alert.status === 'firing' && urgentSeverities.includes(alert.labels?.severity ?? ''));
  const data = {
    ...payload,
    alerts: kept.map((alert) => ({
      ...alert,
      isFiring: alert.status === 'firing',
      isResolved: alert.status === 'resolved',
      labelList: pairs(alert.labels),
      annotationList: pairs(alert.annotations),
    })),
    truncatedAlerts: (payload.truncatedAlerts ?? 0) + payload.alerts.length - kept.length,
    isFiring: payload.status === 'firing',
    isResolved: payload.status === 'resolved',
    firingCount,
    resolvedCount: payload.alerts.length - firingCount,
    commonLabelList: pairs(payload.commonLabels),
    commonAnnotationList: pairs(payload.commonAnnotations),
  };
  const seenUrls = new Set<string>();
  const images = kept
    .flatMap((alert) => {
      const imageUrl = httpUrl(alert.imageURL);
      if (!imageUrl || seenUrls.has(imageUrl)) return [];
      seenUrls.add(imageUrl);
      return [{ name: `${alert.labels?.alertname ?? 'panel'}.png`.slice(0, 200), url: imageUrl }];
    })
    .slice(0, 5);
  return {
    reportId: `${source}:${payload.receiver}`,
    reportName: alertTitle(payload, firingCount),
    ...(url && { url }),
    data,
    ...(images.length > 0 && { images }),
    ...(mention && { mention }),
    ...(urgent && { urgent }),
  };
}

function supersetEvent(payload: SupersetPayload): ToolEvent {
  const { images, ...fields } = payload;
  const url = httpUrl(payload.url);
  return {
    reportId: `superset:${payload.name}`,
    reportName: payload.name,
    ...(url && { url }),
    data: fields,
    ...(images && images.length > 0 && { images }),
  };
}

function metabaseEvent(payload: MetabasePayload): ToolEvent {
  const { visualization, ...question } = payload.data;
  const rows = question.raw_data?.rows ?? [];
  const data = {
    ...payload,
    data: { ...question, ...(question.raw_data && { raw_data: { ...question.raw_data, rows: rows.slice(0, rowsKept) } }) },
    rowCount: rows.length,
  };
  const url = httpUrl(question.question_url);
  const chart = visualization ? new RegExp(`${imageDataUrlPattern}(.*)$`, 's').exec(visualization) : null;
  return {
    reportId: `metabase:${payload.alert_id ?? 'test'}`,
    reportName: question.question_name,
    ...(url && { url }),
    data,
    ...(chart && {
      images: [{ name: `${question.question_name}.png`.slice(0, 200), contentType: chart[1] as 'image/png', data: chart[2] }],
    }),
  };
}

export const toolEvent: { [S in ToolSource]: (payload: never) => ToolEvent } = {
  alertmanager: (payload: AlertmanagerPayload) => alertGroupEvent('alertmanager', payload),
  grafana: (payload: GrafanaPayload) => alertGroupEvent('grafana', payload),
  superset: supersetEvent,
  metabase: metabaseEvent,
};
