// Environment shared by the integration tests and the service code they load.

export const adminToken = 'test-admin-token-0123456789';
export const publisherToken = 'test-publisher-token-0123456789';

/**
 * The test queues' visibility timeout: short, so a crashed attempt comes back within a test. The test
 * worker's invocations get a budget inside it (test/support/worker.ts), as Lambda's 30 s timeout sits
 * inside the deployed 180 s: a holder never outlives its messages' visibility and meets the next holder.
 */
export const testVisibilitySeconds = 12;

export const baseTestEnvironment: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ADMIN_TOKENS: adminToken,
  PUBLISHER_TOKENS: publisherToken,
  // as under npm start: a revoke counts at once
  AUTH_CACHE_SECONDS: '0',
  LOG_LEVEL: 'warn',
  METRICS: 'off',
  // fast retries so retry paths finish within a test
  PUSH_RETRY_BASE_SECONDS: '1',
  PUSH_RETRY_MAX_SECONDS: '4',
  // long enough that the fault mixes never exhaust it; tests of giving up set a shorter one in their file
  PUSH_RETRY_WINDOW: '120s',
  WEBHOOK_TIMEOUT_MS: '1500',
  DINGTALK_COOLDOWN_SECONDS: '2',
  DINGTALK_RATE_LIMIT: '20/2',
  DINGTALK_APP_RATE_LIMIT: '20/2',
  DINGTALK_APP_RATE_MARGIN_MS: '600',
  // The window is scaled down 30x from DingTalk's minute, but the arrival jitter of a 2-core machine
  // running three test processes and Chromium is not: 200 ms (the default floor) let a stalled second
  // of a burst land in the next window (a CI run saw 11 x 130101). In AWS the default is 3 s.
  DINGTALK_RATE_MARGIN_MS: '600',
  WECOM_RATE_LIMIT: '20/2',
  WECOM_RATE_MARGIN_MS: '600',
  // Feishu's 5 a second is not scaled: the same arrival jitter against a 1 s window
  FEISHU_BURST_MARGIN_MS: '500',
  // small fan-out pages, so a report with a few dozen robots already goes through the workers' pages
  FANOUT_INTAKE_PAGE: '20',
  FANOUT_WORKER_PAGE: '25',
};
