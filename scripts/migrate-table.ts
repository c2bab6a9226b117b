// `npm run migrate:table`: brings the items of a table written by an earlier dingpush to today's shapes.
// Each migration runs once per table (a MIGRATION# item says it ran), changes only what lacks the new
// shape, and says what it changed. npm start runs it on its own table at boot; on a deployed table run it
// with the stage's credentials (docs/deploy.md, "Migrating a table"). A second run changes nothing.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

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

/** Where everything stored before workspaces belongs (lib/domain/workspace.ts). */
const defaultWorkspace = 'default';
/** `KIND#rest` → `KIND#default#rest`: how every key shared by a workspace's items carries it (lib/store/table.ts). */
const inDefault = (key: string) => key.replace('#', `#${defaultWorkspace}#`);
/** Items keyed by what a workspace names (a name, a report, an event id, a tool's delivery): they move to a new key. */
const movedKinds = ['TEMPLATE_NAME#', 'ROBOT_NAME#', 'SUBSCRIPTION#', 'EVENT#', 'NAMES#', 'DELIVERY#'];
const recordIndexAttributes = ['listPk', 'robotKey', 'templateKey', 'statusKey', 'eventKey'];

/** An item as today's code keys it in the default workspace; undefined for an item no workspace owns. */
function inDefaultWorkspace(item: Record<string, unknown>): Record<string, unknown> | undefined {
  const pk = String(item.pk);
  if (movedKinds.some((kind) => pk.startsWith(kind))) return { ...item, pk: inDefault(pk), workspaceId: defaultWorkspace };
  if (item.sk === 'ROBOT' || item.sk === 'TEMPLATE')
    return { ...item, listPk: `${String(item.listPk)}#${defaultWorkspace}`, workspaceId: defaultWorkspace };
  if (item.sk === 'RECORD') {
    const moved = Object.fromEntries(
      recordIndexAttributes.filter((name) => typeof item[name] === 'string').map((name) => [name, inDefault(String(item[name]))]),
    );
    return { ...item, ...moved, workspaceId: defaultWorkspace };
  }
  return undefined;
}

/**
 * Everything stored before workspaces belongs to `default`: each item gets `workspaceId`, and the keys a
 * workspace's items share carry it. An item that moves to a new key is written there and deleted from the
 * old one in one transaction, so a run cut off half-way is finished by the next.
 */
async function workspaces(documents: Documents, tableName: string): Promise<number> {
  let changed = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({ TableName: tableName, FilterExpression: 'attribute_not_exists(workspaceId)', ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      const moved = inDefaultWorkspace(item);
      if (!moved) continue;
      const unchanged = 'attribute_exists(pk) AND attribute_not_exists(workspaceId)';
      const writes =
        moved.pk === item.pk
          ? [{ Put: { TableName: tableName, Item: moved, ConditionExpression: unchanged } }]
          : [
              { Put: { TableName: tableName, Item: moved, ConditionExpression: 'attribute_not_exists(pk)' } },
              { Delete: { TableName: tableName, Key: { pk: item.pk, sk: item.sk }, ConditionExpression: unchanged } },
            ];
      try {
        await documents.send(new TransactWriteCommand({ TransactItems: writes }));
        changed += 1;
      } catch (error) {
        // changed meanwhile, or today's code wrote its new key first: what today's code wrote is kept
        if ((error as Error).name !== 'TransactionCanceledException') throw error;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return changed;
}

/** In the order they were written; a name once shipped is never reused. */
const migrations: { name: string; run: (documents: Documents, tableName: string) => Promise<number> }[] = [
  { name: 'robot-and-record-fields', run: robotAndRecordFields },
  { name: 'workspaces', run: workspaces },
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
