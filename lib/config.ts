// Service configuration, read from the environment once at load. Invalid values fail fast naming the variable.

function readString(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function readInteger(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Environment variable ${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function readList(name: string, fallback: string[]): string[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export interface RateLimit {
  messages: number;
  windowMs: number;
}

function readRateLimit(name: string, fallback: string): RateLimit {
  const raw = readString(name, fallback);
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(raw.trim());
  const messages = match ? Number(match[1]) : NaN;
  const seconds = match ? Number(match[2]) : NaN;
  if (!match || messages < 1 || seconds <= 0) {
    throw new Error(`Environment variable ${name} must look like <messages>/<seconds>, e.g. 20/60`);
  }
  return { messages, windowMs: Math.round(seconds * 1000) };
}

/** A duration like `24h`, `10m` or `90s` (a bare number is seconds), in milliseconds. */
function readDuration(name: string, fallback: string, minSeconds: number, maxSeconds: number): number {
  const raw = readString(name, fallback).trim();
  const match = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(raw);
  const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600 }[match[2] as '' | 's' | 'm' | 'h'] : NaN;
  if (!match || seconds < minSeconds || seconds > maxSeconds) {
    throw new Error(
      `Environment variable ${name} must be a duration like 24h, 30m or 90s, between ${minSeconds} s and ${maxSeconds / 3600} h`,
    );
  }
  return Math.round(seconds * 1000);
}

export function normalizeOrigins(name: string, origins: string[]): string[] {
  return origins.map((origin) => {
    try {
      return new URL(origin).origin;
    } catch {
      throw new Error(`Environment variable ${name} holds an invalid origin: ${origin}`);
    }
  });
}

/**
 * A rate window from `<prefix>_LIMIT` (`<messages>/<seconds>`) and its spacing from `<prefix>_MARGIN_MS`: each
 * service counts arrivals on its own clock (docs/delivery.md, "The send window"), 5 % of the window by default.
 */
export function readRateWindow(prefix: string, fallback: string): RateLimit & { marginMs: number } {
  const limit = readRateLimit(`${prefix}_LIMIT`, fallback);
  return { ...limit, marginMs: readInteger(`${prefix}_MARGIN_MS`, Math.max(200, Math.round(limit.windowMs * 0.05)), 0, 600_000) };
}

/** A chat service's webhook origins: the list in `name`, or the service's own. */
export const readOrigins = (name: string, fallback: string[]) => normalizeOrigins(name, readList(name, fallback));

export const config = {
  region: readString('AWS_REGION', 'us-east-1'),
  dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
  sqsEndpoint: process.env.SQS_ENDPOINT || undefined,
  tableName: readString('TABLE_NAME', 'dingpush-local'),
  pushQueueName: readString('PUSH_QUEUE_NAME', 'dingpush-local-push-jobs'),
  pushDeadLetterQueueName: readString('PUSH_DLQ_NAME', 'dingpush-local-push-jobs-dlq'),
  adminTokens: readList('ADMIN_TOKENS', []),
  publisherTokens: readList('PUBLISHER_TOKENS', []),
  /** In AWS: SSM SecureString parameters holding comma-separated tokens (used when ADMIN_TOKENS is empty). */
  adminTokensParameter: process.env.ADMIN_TOKENS_PARAMETER || undefined,
  publisherTokensParameter: process.env.PUBLISHER_TOKENS_PARAMETER || undefined,
  /** Dimension of the EMF metrics. */
  stage: readString('STAGE', 'local'),
  metricsEnabled: process.env.METRICS !== 'off',
  /** How long a POST to a chat service waits for its answer (each service's own settings: lib/channels/). */
  webhookTimeoutMs: readInteger('WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000),
  /** DingTalk's OpenAPI (app robots: tokens, sends, recalls, reads) and its older API (media uploads). */
  dingtalkApiOrigin: (process.env.DINGTALK_API_ORIGIN || 'https://api.dingtalk.com').replace(/\/+$/, ''),
  dingtalkOapiOrigin: (process.env.DINGTALK_OAPI_ORIGIN || 'https://oapi.dingtalk.com').replace(/\/+$/, ''),
  /** How long after it was accepted a push is still retried through failures (within the queue's 14-day retention). */
  retryWindowMs: readDuration('PUSH_RETRY_WINDOW', '24h', 1, 7 * 86_400),
  retryBaseSeconds: readInteger('PUSH_RETRY_BASE_SECONDS', 5, 1, 900),
  /** The longest pause between two attempts of a push. */
  retryMaxSeconds: readInteger('PUSH_RETRY_MAX_SECONDS', 900, 1, 900),
  /** A report with more subscribers than this is queued by the workers, a page each, so the intake answers at once. */
  fanOutIntakePage: readInteger('FANOUT_INTAKE_PAGE', 100, 1, 1000),
  fanOutWorkerPage: readInteger('FANOUT_WORKER_PAGE', 500, 1, 5000),
  /** A job whose rate-limit slot is at most this far ahead waits in the worker; further ahead it goes back to the queue. */
  inlineWaitMaxMs: readInteger('PUSH_INLINE_WAIT_MS', 3000, 0, 20_000),
  autoDisableAfterFailures: readInteger('ROBOT_AUTO_DISABLE_AFTER', 3, 1, 1000),
  recordRetentionDays: readInteger('RECORD_RETENTION_DAYS', 90, 1, 3650),
  /** How long audit events are kept (DynamoDB's TTL deletes them after). */
  auditRetentionDays: readInteger('AUDIT_RETENTION_DAYS', 400, 1, 3650),
  /** How long a container trusts what it read of a token (revocation takes effect within this); npm start sets 0. */
  authCacheSeconds: readInteger('AUTH_CACHE_SECONDS', 60, 0, 60),
  /** The sweeper requeues queued records untouched this long (longer than the longest retry delay, 15 min). */
  staleRecordMs: readInteger('STALE_RECORD_MINUTES', 20, 1, 1440) * 60_000,
  /** Credentials at rest are sealed with a KMS data key (AWS) or the key in this file (npm start, tests). */
  secretsKmsKeyId: process.env.SECRETS_KMS_KEY_ID || undefined,
  secretsKeyFile: process.env.SECRETS_KEY_FILE || undefined,
  maxRequestBytes: readInteger('MAX_REQUEST_BYTES', 256 * 1024, 1024, 6 * 1024 * 1024),
  /** Events may carry screenshots: by default what Lambda takes as a request (6 MB); npm start allows up to serverless-offline's 10 MB. */
  maxEventRequestBytes: readInteger('MAX_EVENT_REQUEST_BYTES', 6_000_000, 1024, 10 * 1024 * 1024),
  s3Endpoint: process.env.S3_ENDPOINT || undefined,
  imagesBucket: readString('IMAGES_BUCKET', 'dingpush-local-images'),
  /** The origin the chat services' clients fetch pushed images from; empty: the origin the event was posted to. */
  publicBaseUrl: (process.env.PUBLIC_BASE_URL ?? '').replace(/\/+$/, '') || undefined,
};

export type Config = typeof config;
