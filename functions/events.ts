// HTTP: POST /events/* (publisher or admin role), in the caller's workspace: the BI platform's report events, and the webhooks of
// the tools BI teams already run, each in that tool's own payload.
import type { ToolSource } from '../schemas/sources';
import { publishReportReady } from '../lib/events/publishReportReady';
import { publishToolEvent } from '../lib/sources/publishToolEvent';
import { config } from '../lib/config';
import type { Caller } from '../lib/domain/caller';
import { httpFunction, type HttpRequest } from './http/httpFunction';
import { eventFromForm, supersetFromForm } from './http/multipartForm';

// screenshots count in full: JSON with base64 images, or multipart/form-data
const maxBodyBytes = config.maxEventRequestBytes;
const fromTool =
  (source: ToolSource) =>
  ({ caller, body, origin }: HttpRequest<unknown, unknown, Caller>) =>
    publishToolEvent(caller.workspaceId, source, body, origin);

export const handler = httpFunction('events', {
  publishReportReady: {
    maxBodyBytes,
    multipart: eventFromForm,
    handle: ({ caller, body, origin }) => publishReportReady(caller.workspaceId, body, origin),
  },
  publishAlertmanager: { maxBodyBytes, handle: fromTool('alertmanager') },
  publishGrafana: { maxBodyBytes, handle: fromTool('grafana') },
  publishSuperset: { maxBodyBytes, multipart: supersetFromForm, handle: fromTool('superset') },
  publishMetabase: { maxBodyBytes, handle: fromTool('metabase') },
});
