// Exponential backoff with jitter for retryable delivery failures, within SQS's 900-second delay limit.

export function retryDelaySeconds(attempt: number, baseSeconds: number, minimumSeconds = 0): number {
  const exponential = baseSeconds * 2 ** Math.max(0, attempt - 1);
  const jittered = exponential * (0.8 + Math.random() * 0.4);
  return Math.min(900, Math.max(1, Math.ceil(Math.max(jittered, minimumSeconds))));
}
