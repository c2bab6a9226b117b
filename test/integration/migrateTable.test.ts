// The table migration on items as the version before chat services other than DingTalk wrote them (today's
// items without `channel`): in this file's table, and in a DATA_DIR's DynamoDB Local as npm start keeps it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { api } from '../support/api';
import { simulator } from '../support/simulator';
import { allItems } from '../support/tableItems';
import { migrateTable } from '../../scripts/migrate-table';
import { newQueuedRecord } from '../../lib/domain/pushRecord';
import { recordsStore } from '../../lib/store/recordsStore';
import { migrateDataDirTable } from '../../scripts/migrate-data-dir';
import { ensureLocalTable } from '../../scripts/local-resources';
import { startDynamoDbLocal } from '../../scripts/local-stack';

const local = { accessKeyId: 'local', secretAccessKey: 'local' };
const documentsAt = (endpoint: string) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: local }));

/** A robot and one of its records made by today's code, then stripped of `channel` as the earlier version stored them. */
async function oldShapedRobotAndRecord(): Promise<{ robotId: string; recordId: string; goneRecordId: string }> {
  const template = (await api('POST', '/templates', { body: { name: `t-${randomUUID()}`, msgType: 'text', text: 'hi {{reportName}}' } }))
    .body;
  const { webhookUrl } = await simulator.registerRobot();
  const robot = (await api('POST', '/robots', { body: { name: `r-${randomUUID()}`, webhookUrl, templateId: template.id, reports: ['m'] } }))
    .body;
  const made = newQueuedRecord({
    id: randomUUID(),
    eventId: randomUUID(),
    reportId: 'm',
    reportName: 'M',
    robotId: robot.id,
    robotName: robot.name,
    channel: 'dingtalk',
    templateId: template.id,
    templateName: template.name,
  });
  await recordsStore.putMany([made]);
  const record = (await allItems()).find((item) => item.sk === 'RECORD' && item.id === made.id)!;
  const documents = documentsAt(process.env.DYNAMODB_ENDPOINT!);
  // a record whose robot was deleted since: the earlier version's records were all DingTalk's
  const goneRecordId = randomUUID();
  await documents.send(
    new PutCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        ...record,
        pk: `RECORD#${goneRecordId}`,
        id: goneRecordId,
        robotId: 'deleted-robot',
        listSk: `${record.createdAt}#${goneRecordId}`,
      },
    }),
  );
  for (const key of [
    { pk: `ROBOT#${robot.id}`, sk: 'ROBOT' },
    { pk: record.pk, sk: 'RECORD' },
    { pk: `RECORD#${goneRecordId}`, sk: 'RECORD' },
  ])
    await documents.send(
      new UpdateCommand({
        TableName: process.env.TABLE_NAME,
        Key: key,
        UpdateExpression: 'REMOVE #c',
        ExpressionAttributeNames: { '#c': 'channel' },
      }),
    );
  // and before the uncertain-attempt policy, without `onUncertain`
  await documents.send(
    new UpdateCommand({
      TableName: process.env.TABLE_NAME,
      Key: { pk: `ROBOT#${robot.id}`, sk: 'ROBOT' },
      UpdateExpression: 'REMOVE onUncertain',
    }),
  );
  documents.destroy();
  return { robotId: robot.id, recordId: String(record.id), goneRecordId };
}

describe('the table migration', () => {
  it('gives every robot and record its channel once; the API reads and filters them after; a second run changes nothing', async () => {
    const { robotId, recordId, goneRecordId } = await oldShapedRobotAndRecord();
    const target = { tableName: process.env.TABLE_NAME!, region: 'us-east-1', endpoint: process.env.DYNAMODB_ENDPOINT };
    // without the migration, the stripped robot is not a DingTalk robot to the filter
    const before = await api('GET', '/robots?channel=dingtalk');
    expect(before.body.items.map((robot: { id: string }) => robot.id)).not.toContain(robotId);

    const first = await migrateTable(target);
    expect(first.ran).toEqual([{ name: 'robot-and-record-fields', changed: 3 }]);
    const robot = await api('GET', `/robots/${robotId}`);
    expect(robot.body).toMatchObject({ channel: 'dingtalk', onUncertain: 'resend' });
    expect((await api('GET', '/robots?channel=dingtalk')).body.items.map((r: { id: string }) => r.id)).toContain(robotId);
    const records = await api('GET', '/push-records?channel=dingtalk&limit=100');
    const ids = records.body.items.map((record: { id: string }) => record.id);
    expect(ids).toEqual(expect.arrayContaining([recordId, goneRecordId]));
    expect((await api('GET', `/push-records/${recordId}`)).body.channel).toBe('dingtalk');

    const snapshot = JSON.stringify((await allItems()).filter((item) => !String(item.pk).startsWith('MIGRATION#')));
    const second = await migrateTable(target);
    expect(second).toEqual({ ran: [], skipped: ['robot-and-record-fields'] });
    expect(JSON.stringify((await allItems()).filter((item) => !String(item.pk).startsWith('MIGRATION#')))).toBe(snapshot);
  });

  it("migrates npm start's table in a DATA_DIR (npm run migrate:data-dir), and a second run changes nothing", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dingpush-migrate-table-'));
    try {
      const first = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
      await ensureLocalTable({ dynamodbEndpoint: first.endpoint, region: 'us-east-1', tableName: 'dingpush-dev' });
      const documents = documentsAt(first.endpoint);
      const robot = { pk: 'ROBOT#old', sk: 'ROBOT', id: 'old', name: 'Old', enabled: true, templateId: 't', reports: [], keywords: [] };
      await documents.send(new PutCommand({ TableName: 'dingpush-dev', Item: robot }));
      documents.destroy();
      await first.stop();

      expect(await migrateDataDirTable(dataDir)).toEqual({ ran: [{ name: 'robot-and-record-fields', changed: 1 }], skipped: [] });
      expect(await migrateDataDirTable(dataDir)).toEqual({ ran: [], skipped: ['robot-and-record-fields'] });

      const again = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
      const reader = documentsAt(again.endpoint);
      const { Item } = await reader.send(new GetCommand({ TableName: 'dingpush-dev', Key: { pk: 'ROBOT#old', sk: 'ROBOT' } }));
      expect(Item).toMatchObject({ ...robot, channel: 'dingtalk', onUncertain: 'resend', consecutiveFailures: 0 });
      reader.destroy();
      await again.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
