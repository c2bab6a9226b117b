// What each DingTalk answer means for the push: sent, worth retrying, or final.

export type DeliveryClass = 'ok' | 'throttled' | 'retryable' | 'permanent';

const throttledCodes = new Set([130101, 410100]);

export function classifyErrcode(errcode: number): DeliveryClass {
  if (errcode === 0) return 'ok';
  if (throttledCodes.has(errcode)) return 'throttled';
  // 310000 (security), 300001/300005/400xxx (token, robot, group), 430xxx (content), 460101 (size)
  // and every code we do not know: retrying would only repeat the same answer.
  return 'permanent';
}

export function classifyHttpStatus(status: number): DeliveryClass {
  if (status >= 500 || status === 429) return 'retryable';
  return 'permanent';
}
