// Starts DynamoDB Local, fauxqs and the chat simulator once for all integration tests, on free ports.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSecretsKeyFile, startDynamoDbLocal, startSqsEmulator } from '../../scripts/local-stack';
import { startChatSimulator } from '../../scripts/chat-simulator';
import { baseTestEnvironment } from './environment';

export default async function globalSetup(): Promise<void> {
  // Lambda runs Node 22; the SDK's Node 20 notice is noise here
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const [dynamodb, sqs, simulator] = await Promise.all([
    startDynamoDbLocal(),
    startSqsEmulator(),
    startChatSimulator({ rateLimit: { messages: 20, windowMs: 2000 }, throttleMs: 2000, slowMs: 3000 }),
  ]);
  const secretsDir = mkdtempSync(join(tmpdir(), 'dingpush-test-key-'));
  Object.assign(process.env, baseTestEnvironment, {
    SECRETS_KEY_FILE: ensureSecretsKeyFile(join(secretsDir, 'secrets.key')),
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    S3_ENDPOINT: sqs.endpoint,
    // in-process tests serve no HTTP: image URLs name an origin nobody fetches (npm start's e2e does)
    PUBLIC_BASE_URL: 'http://127.0.0.1:9',
    SIMULATOR_URL: simulator.url,
    DINGTALK_ALLOWED_ORIGINS: simulator.url,
    WECOM_ALLOWED_ORIGINS: simulator.url,
    FEISHU_ALLOWED_ORIGINS: simulator.url,
    // DingTalk's app robot API is the simulator too
    DINGTALK_API_ORIGIN: simulator.url,
    DINGTALK_OAPI_ORIGIN: simulator.url,
  });
  (globalThis as Record<string, unknown>).__localStack = { dynamodb, sqs, simulator };
}
