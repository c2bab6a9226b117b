// HTTP: /push-records
import {
  confirmPushRecord,
  getPushRecord,
  listPushRecords,
  pushStatistics,
  resendPushRecord,
  resendPushRecords,
} from '../lib/records/recordService';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('pushRecords', {
  listPushRecords: ({ query }) => listPushRecords(query),
  getPushStatistics: ({ query }) => pushStatistics(query.days ?? 14),
  getPushRecord: ({ pathParameters }) => getPushRecord(pathParameters.id),
  resendPushRecord: ({ pathParameters }) => resendPushRecord(pathParameters.id),
  confirmPushRecord: ({ pathParameters }) => confirmPushRecord(pathParameters.id),
  resendPushRecords: ({ body }) => resendPushRecords(body),
});
