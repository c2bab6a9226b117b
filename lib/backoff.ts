// The one backoff: base × 2^(n-1) for the n-th retry, capped. Delivery retries add jitter on top.

export const backoff = (retry: number, base: number, cap: number) => Math.min(cap, base * 2 ** Math.min(30, Math.max(0, retry - 1)));

/** Seconds before a retryable delivery failure is tried again, within SQS's 900-second delay limit. */
export function retryDelaySeconds(
  attempt: number,
  baseSeconds: number,
  maxSeconds: number,
  minimumSeconds = 0,
  random = Math.random,
): number {
  // full jitter in the upper half: retries of many robots after one outage spread out instead of arriving together
  const jittered = backoff(attempt, baseSeconds, maxSeconds) * (0.5 + random() * 0.5);
  return Math.min(900, Math.max(1, Math.ceil(Math.max(jittered, minimumSeconds))));
}
