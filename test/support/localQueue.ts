// An SQS client for the local emulator the integration tests run against (endpoint from the environment).
import { SQSClient } from '@aws-sdk/client-sqs';

export function localSqsClient(): SQSClient {
  return new SQSClient({
    endpoint: process.env.SQS_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
