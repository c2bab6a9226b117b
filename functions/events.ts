// HTTP: POST /events/report-ready (publisher or admin token)
import { reportReadyEventSchema, type ReportReadyEvent } from '../schemas/event';
import { publishReportReady } from '../lib/events/publishReportReady';
import { validateBody } from '../lib/validation/validate';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction({
  'POST /events/report-ready': {
    scope: 'publisher',
    handle: async ({ body }) => ({ status: 202, body: await publishReportReady(validateBody<ReportReadyEvent>(reportReadyEventSchema, body)) }),
  },
});
