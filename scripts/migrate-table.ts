// `npm run migrate:table`: brings the items of a table written by an earlier dingpush to today's shapes.
// Each migration runs once per table (a MIGRATION# item says it ran), changes only what lacks the new
// shape, and says what it changed. npm start runs it on its own table at boot; on a deployed table run it
// with the stage's credentials (docs/deploy.md, "Migrating a table"). A second run changes nothing.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export interface TableTarget {
  tableName: string;
  region: string;
  /** DynamoDB Local's address; absent for AWS. */
  endpoint?: string;
}

export interface MigrationReport {
  /** Migrations that ran now, with how many items each changed. */
  ran: { name: string; changed: number }[];
  /** Migrations that had run before. */
  skipped: string[];
}

type Documents = DynamoDBDocumentClient;

/**
 * Robots and push records made before WeCom and Feishu carry no `channel`: every one of them was DingTalk's.
 * The robot gets it, and each record its robot's (DingTalk's when the robot is gone).
 */
async function channelOnRobotsAndRecords(documents: Documents, tableName: string): Promise<number> {
  let changed = 0;
  const robotChannels = new Map<string, string>();
  for (const sk of ['ROBOT', 'RECORD']) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'sk = :sk AND attribute_not_exists(#channel)',
          ExpressionAttributeNames: { '#channel': 'channel' },
          ExpressionAttributeValues: { ':sk': sk },
          ProjectionExpression: 'pk, sk, robotId',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const channel = sk === 'ROBOT' ? 'dingtalk' : await channelOfRobot(documents, tableName, String(item.robotId), robotChannels);
        if (await setChannel(documents, tableName, item, channel)) changed += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return changed;
}

async function channelOfRobot(documents: Documents, tableName: string, robotId: string, known: Map<string, string>): Promise<string> {
  if (!known.has(robotId)) {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: `ROBOT#${robotId}`, sk: 'ROBOT' }, ProjectionExpression: 'channel' }),
    );
    known.set(robotId, typeof Item?.channel === 'string' ? Item.channel : 'dingtalk');
  }
  return known.get(robotId)!;
}

/** Only where the item still exists and still has no channel: a change made meanwhile is kept. */
async function setChannel(documents: Documents, tableName: string, item: Record<string, unknown>, channel: string): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET #channel = :channel',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#channel)',
        ExpressionAttributeNames: { '#channel': 'channel' },
        ExpressionAttributeValues: { ':channel': channel },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** In the order they were written; a name once shipped is never reused. */
const migrations: { name: string; run: (documents: Documents, tableName: string) => Promise<number> }[] = [
  { name: 'channel-on-robots-and-records', run: channelOnRobotsAndRecords },
];

export async function migrateTable(target: TableTarget): Promise<MigrationReport> {
  const client = new DynamoDBClient({
    region: target.region,
    ...(target.endpoint && { endpoint: target.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
  const documents = DynamoDBDocumentClient.from(client);
  const report: MigrationReport = { ran: [], skipped: [] };
  try {
    for (const migration of migrations) {
      const key = { pk: `MIGRATION#${migration.name}`, sk: 'MIGRATION' };
      const { Item } = await documents.send(new GetCommand({ TableName: target.tableName, Key: key, ConsistentRead: true }));
      if (Item) {
        report.skipped.push(migration.name);
        continue;
      }
      const changed = await migration.run(documents, target.tableName);
      await documents.send(new PutCommand({ TableName: target.tableName, Item: { ...key, ranAt: new Date().toISOString(), changed } }));
      report.ran.push({ name: migration.name, changed });
    }
  } finally {
    client.destroy();
  }
  return report;
}

export function describeReport(report: MigrationReport): string {
  const ran = report.ran.map(({ name, changed }) => `${name}: ${changed} item${changed === 1 ? '' : 's'} changed`);
  return [...ran, ...(report.skipped.length > 0 ? [`already done: ${report.skipped.join(', ')}`] : [])].join('; ') || 'nothing to do';
}

if (require.main === module) {
  const stage = process.env.STAGE ?? 'dev';
  const target = {
    tableName: process.env.TABLE_NAME ?? `dingpush-${stage}`,
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: process.env.DYNAMODB_ENDPOINT || undefined,
  };
  migrateTable(target).then(
    (report) => console.log(`${target.tableName}: ${describeReport(report)}`),
    (error: unknown) => {
      console.error(`migrating ${target.tableName} failed: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
