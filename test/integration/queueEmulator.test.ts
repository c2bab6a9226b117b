// The local queue keeps SQS's FIFO promises the worker is built on: a receive takes up to 10 of a group in
// order and none of a group with a message in flight, and messages that come back keep their order.
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';

const sqs = new SQSClient({
  endpoint: process.env.SQS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
let queueUrl: string;

beforeAll(async () => {
  const created = await sqs.send(
    new CreateQueueCommand({
      QueueName: `emulator-${randomUUID().slice(0, 8)}.fifo`,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: '30' },
    }),
  );
  queueUrl = created.QueueUrl as string;
});
afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  sqs.destroy();
});

const receive = async () =>
  (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages ?? [];

it('hands out a group in order, up to 10 at a time, nothing more of it while some are in flight, and the same order when they come back', async () => {
  const entries = (group: string, from: number) =>
    Array.from({ length: 6 }, (_, n) => ({
      Id: String(n),
      MessageBody: `${group}${from + n}`,
      MessageGroupId: group,
      MessageDeduplicationId: randomUUID(),
    }));
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries('a', 0) }));
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries('a', 6) }));
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries('b', 0) }));

  const first = await receive();
  expect(first.map((message) => message.Body)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
  // a is in flight: only b
  const second = await receive();
  expect(second.map((message) => message.Body)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5']);
  expect(await receive()).toEqual([]);

  // a's ten come back together (as the worker sends a robot's jobs back to wait for a slot)
  await sqs.send(
    new ChangeMessageVisibilityBatchCommand({
      QueueUrl: queueUrl,
      Entries: first.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 1 })),
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const again = await receive();
  expect(again.map((message) => message.Body)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
});
