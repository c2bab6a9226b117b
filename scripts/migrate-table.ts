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
 * Robots stored before chat services other than DingTalk carry no `channel` (every one was DingTalk's), and
 * those stored before the uncertain-attempt policy no `onUncertain` (`resend`, what they did); a robot's
 * `consecutiveFailures` is 0 until a push fails. Push records get their robot's channel (DingTalk's when the
 * robot is gone: every record made before channels was).
 */
async function robotAndRecordFields(documents: Documents, tableName: string): Promise<number> {
  let changed = 0;
  const robotChannels = new Map<string, string>();
  const lacking = {
    ROBOT: 'attribute_not_exists(#channel) OR attribute_not_exists(onUncertain) OR attribute_not_exists(consecutiveFailures)',
    RECORD: 'attribute_not_exists(#channel)',
  };
  for (const [sk, condition] of Object.entries(lacking)) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: `sk = :sk AND (${condition})`,
          ExpressionAttributeNames: { '#channel': 'channel' },
          ExpressionAttributeValues: { ':sk': sk },
          ProjectionExpression: 'pk, sk, robotId',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const fields =
          sk === 'ROBOT'
            ? { channel: 'dingtalk', onUncertain: 'resend', consecutiveFailures: 0 }
            : { channel: await channelOfRobot(documents, tableName, String(item.robotId), robotChannels) };
        if (await setWhereAbsent(documents, tableName, item, fields, condition)) changed += 1;
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

/** Only where the item still exists and still lacks a field: a value written meanwhile is kept. */
async function setWhereAbsent(
  documents: Documents,
  tableName: string,
  item: Record<string, unknown>,
  fields: Record<string, unknown>,
  lacking: string,
): Promise<boolean> {
  const names = Object.keys(fields);
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: `SET ${names.map((name) => `#${name} = if_not_exists(#${name}, :${name})`).join(', ')}`,
        ConditionExpression: `attribute_exists(pk) AND (${lacking})`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, fields[name]])),
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
  { name: 'robot-and-record-fields', run: robotAndRecordFields },
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
