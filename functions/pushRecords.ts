// HTTP: /push-records
import {
  bulkResendSchema,
  listPushRecordsQuerySchema,
  pushStatisticsQuerySchema,
  type BulkResendInput,
  type ListPushRecordsQuery,
  type PushStatisticsQuery,
} from '../schemas/pushRecord';
import {
  confirmPushRecord,
  getPushRecord,
  listPushRecords,
  pushStatistics,
  resendPushRecord,
  resendPushRecords,
} from '../lib/records/recordService';
import { validateBody, validateQuery } from '../lib/validation/validate';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction({
  'GET /push-records': {
    scope: 'admin',
    handle: async ({ query }) => ({
      status: 200,
      body: await listPushRecords(validateQuery<ListPushRecordsQuery>(listPushRecordsQuerySchema, query)),
    }),
  },
  'GET /push-statistics': {
    scope: 'admin',
    handle: async ({ query }) => ({
      status: 200,
      body: await pushStatistics(validateQuery<PushStatisticsQuery>(pushStatisticsQuerySchema, query).days ?? 14),
    }),
  },
  'GET /push-records/{id}': {
    scope: 'admin',
    handle: async ({ pathParameters }) => ({ status: 200, body: await getPushRecord(pathParameters.id) }),
  },
  'POST /push-records/{id}/resend': {
    scope: 'admin',
    handle: async ({ pathParameters }) => ({ status: 202, body: await resendPushRecord(pathParameters.id) }),
  },
  'POST /push-records/{id}/confirm': {
    scope: 'admin',
    handle: async ({ pathParameters }) => ({ status: 200, body: await confirmPushRecord(pathParameters.id) }),
  },
  'POST /push-records/resend': {
    scope: 'admin',
    handle: async ({ body }) => ({ status: 202, body: await resendPushRecords(validateBody<BulkResendInput>(bulkResendSchema, body)) }),
  },
});
