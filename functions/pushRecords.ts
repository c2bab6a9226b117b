// HTTP: /push-records
import {
  confirmPushRecord,
  getPushRecord,
  listPushRecords,
  pushStatistics,
  resendPushRecord,
  resendPushRecords,
} from '../lib/records/recordService';
import { readsOf, recallEvent, recallPushRecord } from '../lib/records/recallService';
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('pushRecords', {
  listPushRecords: ({ caller, query }) => listPushRecords(caller, query),
  getPushStatistics: ({ caller, query }) => pushStatistics(caller, query.days ?? 14),
  getPushRecord: ({ caller, pathParameters }) => getPushRecord(caller, pathParameters.id),
  resendPushRecord: ({ caller, pathParameters }) => resendPushRecord(caller, pathParameters.id),
  confirmPushRecord: ({ caller, pathParameters }) => confirmPushRecord(caller, pathParameters.id),
  resendPushRecords: ({ caller, body }) => resendPushRecords(caller, body),
  recallPushRecord: ({ caller, pathParameters }) => recallPushRecord(caller, pathParameters.id),
  recallEvent: ({ caller, pathParameters }) => recallEvent(caller, pathParameters.eventId),
  getPushRecordReads: ({ caller, pathParameters, query }) => readsOf(caller, pathParameters.id, query.cursor),
});
