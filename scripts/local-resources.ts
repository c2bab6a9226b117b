// Creates the table, FIFO queues and images bucket that serverless.yml declares (resources.Resources) in
// DynamoDB Local and the local SQS/S3 emulator, so local runs and tests use the very definitions AWS gets. Safe to run again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import yaml from 'js-yaml';

export interface LocalResourceOptions {
  dynamodbEndpoint: string;
  /** fauxqs: SQS and S3 on one endpoint. */
  sqsEndpoint: string;
  /** Where the images bucket lives, when not on sqsEndpoint. */
  s3Endpoint?: string;
  imagesBucket: string;
  region?: string;
  tableName: string;
  pushQueueName: string;
  pushDeadLetterQueueName: string;
  /** Tests shorten these to see redelivery within seconds. */
  queueOverrides?: { VisibilityTimeout?: number; maxReceiveCount?: number };
}

// CloudFormation short-form tags (!GetAtt, !Ref, ...) parsed into plain objects; locally only their presence matters.
const cloudFormationTags = [
  'Ref',
  'GetAtt',
  'Join',
  'Sub',
  'Select',
  'Split',
  'If',
  'Equals',
  'ImportValue',
  'FindInMap',
  'GetAZs',
  'Base64',
  'Not',
  'And',
  'Or',
  'Condition',
].flatMap((name) =>
  (['scalar', 'sequence', 'mapping'] as const).map(
    (kind) => new yaml.Type(`!${name}`, { kind, construct: (data: unknown) => ({ [`Fn::${name}`]: data }) }),
  ),
);
const schema = yaml.DEFAULT_SCHEMA.extend(cloudFormationTags);

type CfnResource = { Type: string; Properties: Record<string, any> };

/** serverless.yml as a plain object, its CloudFormation tags kept as `Fn::` objects. */
export function loadServerlessYml<T = Record<string, unknown>>(file = join(__dirname, '..', 'serverless.yml')): T {
  return yaml.load(readFileSync(file, 'utf8'), { schema }) as T;
}

export function serverlessResources(file?: string): Record<string, CfnResource> {
  return loadServerlessYml<{ resources: { Resources: Record<string, CfnResource> } }>(file).resources.Resources;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function ensureLocalResources(options: LocalResourceOptions): Promise<{ pushQueueUrl: string; deadLetterQueueUrl: string }> {
  await Promise.all([ensureLocalTable(options), ensureLocalBucket(options)]);
  return ensureLocalQueues(options);
}

export async function ensureLocalBucket(
  options: Pick<LocalResourceOptions, 'sqsEndpoint' | 's3Endpoint' | 'region' | 'imagesBucket'>,
): Promise<void> {
  const s3 = new S3Client({
    endpoint: options.s3Endpoint ?? options.sqsEndpoint,
    region: options.region ?? 'us-east-1',
    credentials,
    forcePathStyle: true,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: options.imagesBucket }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  } finally {
    s3.destroy();
  }
}

export async function ensureLocalTable(options: Pick<LocalResourceOptions, 'dynamodbEndpoint' | 'region' | 'tableName'>): Promise<void> {
  const table = serverlessResources().PushTable.Properties;
  const dynamodb = new DynamoDBClient({ endpoint: options.dynamodbEndpoint, region: options.region ?? 'us-east-1', credentials });
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: options.tableName,
        BillingMode: table.BillingMode,
        AttributeDefinitions: table.AttributeDefinitions,
        KeySchema: table.KeySchema,
        GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: options.tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({ TableName: options.tableName, TimeToLiveSpecification: table.TimeToLiveSpecification }),
    );
  }
  dynamodb.destroy();
}

/** A queue kept in DATA_DIR by an earlier version may differ in an attribute: it gets this version's (FIFO-ness cannot change). */
async function createOrUpdateQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ QueueUrl?: string }> {
  try {
    return await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  } catch (error) {
    if ((error as Error).name !== 'QueueNameExists' && (error as Error).name !== 'QueueAlreadyExists') throw error;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const { FifoQueue: _fifo, DeduplicationScope: _scope, FifoThroughputLimit: _limit, ...changeable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: changeable }));
    return { QueueUrl };
  }
}

export async function ensureLocalQueues(
  options: Omit<LocalResourceOptions, 'dynamodbEndpoint' | 'tableName' | 'imagesBucket'>,
): Promise<{ pushQueueUrl: string; deadLetterQueueUrl: string }> {
  const resources = serverlessResources();
  const sqs = new SQSClient({ endpoint: options.sqsEndpoint, region: options.region ?? 'us-east-1', credentials });

  const queueAttributes = (properties: Record<string, any>) => {
    const attributes: Record<string, string> = {};
    for (const name of [
      'FifoQueue',
      'DeduplicationScope',
      'FifoThroughputLimit',
      'VisibilityTimeout',
      'ReceiveMessageWaitTimeSeconds',
      'MessageRetentionPeriod',
      'DelaySeconds',
    ]) {
      if (properties[name] !== undefined) attributes[name] = String(properties[name]);
    }
    return attributes;
  };
  const deadLetter = await createOrUpdateQueue(
    sqs,
    options.pushDeadLetterQueueName,
    queueAttributes(resources.PushJobsFifoDeadLetterQueue.Properties),
  );
  const deadLetterArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetter.QueueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn as string;
  const pushProperties = resources.PushJobsFifoQueue.Properties;
  const attributes = queueAttributes(pushProperties);
  if (options.queueOverrides?.VisibilityTimeout !== undefined)
    attributes.VisibilityTimeout = String(options.queueOverrides.VisibilityTimeout);
  const maxReceiveCount = options.queueOverrides?.maxReceiveCount ?? pushProperties.RedrivePolicy.maxReceiveCount;
  attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: String(maxReceiveCount) });
  const push = await createOrUpdateQueue(sqs, options.pushQueueName, attributes);
  sqs.destroy();
  return { pushQueueUrl: push.QueueUrl as string, deadLetterQueueUrl: deadLetter.QueueUrl as string };
}
