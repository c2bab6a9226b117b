// Capped exponential backoff with jitter for retryable delivery failures, within SQS's 900-second delay limit.

export function retryDelaySeconds(
  attempt: number,
  baseSeconds: number,
  maxSeconds: number,
  minimumSeconds = 0,
  random = Math.random,
): number {
  const exponential = baseSeconds * 2 ** Math.min(30, Math.max(0, attempt - 1));
  // full jitter in the upper half: retries of many robots after one outage spread out instead of arriving together
  const jittered = Math.min(maxSeconds, exponential) * (0.5 + random() * 0.5);
  return Math.min(900, Math.max(1, Math.ceil(Math.max(jittered, minimumSeconds))));
}
