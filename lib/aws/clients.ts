// AWS SDK clients, created once per container. Endpoints come from config so the same code talks to local emulators.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../config';

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function credentialsFor(endpoint: string | undefined) {
  // Local emulators accept any key; AWS itself uses the default credential chain.
  if (endpoint && !process.env.AWS_ACCESS_KEY_ID) return localCredentials;
  return undefined;
}

export const dynamodb = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: config.region,
    endpoint: config.dynamodbEndpoint,
    credentials: credentialsFor(config.dynamodbEndpoint),
    maxAttempts: 5,
  }),
  { marshallOptions: { removeUndefinedValues: true } },
);

export const sqs = new SQSClient({
  region: config.region,
  endpoint: config.sqsEndpoint,
  credentials: credentialsFor(config.sqsEndpoint),
  maxAttempts: 5,
});

export const s3 = new S3Client({
  region: config.region,
  endpoint: config.s3Endpoint,
  credentials: credentialsFor(config.s3Endpoint),
  // the local emulator serves buckets as paths, not host names
  forcePathStyle: Boolean(config.s3Endpoint),
  maxAttempts: 5,
});
