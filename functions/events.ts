// HTTP: POST /events/* (publisher or admin token): the BI platform's report events, and the webhooks of
// the tools BI teams already run, each in that tool's own payload.
import { reportReadyEventSchema, type ReportReadyEvent } from '../schemas/event';
import type { ToolSource } from '../schemas/sources';
import { publishReportReady } from '../lib/events/publishReportReady';
import { publishToolEvent } from '../lib/sources/publishToolEvent';
import { validateBody } from '../lib/validation/validate';
import { config } from '../lib/config';
import { httpFunction, type Route } from './http/httpFunction';
import { eventFromForm, supersetFromForm } from './http/multipartForm';

function toolRoute(source: ToolSource, multipart?: Route['multipart']): Route {
  return {
    scope: 'publisher',
    maxBodyBytes: config.maxEventRequestBytes,
    multipart,
    handle: async ({ body, origin }) => ({ status: 202, body: await publishToolEvent(source, body, origin) }),
  };
}

export const handler = httpFunction({
  'POST /events/report-ready': {
    scope: 'publisher',
    // screenshots: JSON with base64 images, or multipart/form-data
    maxBodyBytes: config.maxEventRequestBytes,
    multipart: eventFromForm,
    handle: async ({ body, origin }) => ({
      status: 202,
      body: await publishReportReady(validateBody<ReportReadyEvent>(reportReadyEventSchema, body), origin),
    }),
  },
  'POST /events/alertmanager': toolRoute('alertmanager'),
  'POST /events/grafana': toolRoute('grafana'),
  'POST /events/superset': toolRoute('superset', supersetFromForm),
  'POST /events/metabase': toolRoute('metabase'),
});
