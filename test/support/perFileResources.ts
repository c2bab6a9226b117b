// Each integration test file gets its own table and queues, so files running in parallel never meet.
import { randomBytes } from 'node:crypto';
import { ensureLocalResources } from '../../scripts/local-resources';
import { testVisibilitySeconds } from './environment';

const suffix = `${process.env.JEST_WORKER_ID ?? '0'}-${randomBytes(4).toString('hex')}`;
process.env.TABLE_NAME = `dingpush-test-${suffix}`;
process.env.PUSH_QUEUE_NAME = `push-jobs-${suffix}.fifo`;
process.env.PUSH_DLQ_NAME = `push-jobs-dlq-${suffix}.fifo`;
process.env.IMAGES_BUCKET = `images-${suffix}`;

beforeAll(async () => {
  const urls = await ensureLocalResources({
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT as string,
    sqsEndpoint: process.env.SQS_ENDPOINT as string,
    tableName: process.env.TABLE_NAME as string,
    pushQueueName: process.env.PUSH_QUEUE_NAME as string,
    pushDeadLetterQueueName: process.env.PUSH_DLQ_NAME as string,
    imagesBucket: process.env.IMAGES_BUCKET as string,
    // short enough that a crashed attempt comes back within a test; the redrive only catches crash loops
    queueOverrides: { VisibilityTimeout: testVisibilitySeconds, maxReceiveCount: 200 },
  });
  process.env.PUSH_QUEUE_URL = urls.pushQueueUrl;
  process.env.PUSH_DLQ_URL = urls.deadLetterQueueUrl;
}, 60_000);
