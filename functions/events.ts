// HTTP: POST /events/report-ready (publisher or admin token)
import { reportReadyEventSchema, type ReportReadyEvent } from '../schemas/event';
import { publishReportReady } from '../lib/events/publishReportReady';
import { validateBody } from '../lib/validation/validate';
import { config } from '../lib/config';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction({
  'POST /events/report-ready': {
    scope: 'publisher',
    // screenshots: JSON with base64 images, or multipart/form-data
    maxBodyBytes: config.maxEventRequestBytes,
    handle: async ({ body, origin }) => ({ status: 202, body: await publishReportReady(validateBody<ReportReadyEvent>(reportReadyEventSchema, body), origin) }),
  },
});
