// The table migrations on items as earlier versions wrote them (before chat services other than DingTalk: no
// `channel`; before workspaces: no workspace anywhere): in this file's table, and in a DATA_DIR's DynamoDB
// Local as npm start keeps it.
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
import { keys, listPartitions } from '../../lib/store/table';
import { recordIndexAttributes, shardOf } from '../../lib/store/recordIndexes';
import { eventsStore } from '../../lib/store/eventsStore';

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
    workspaceId: 'default',
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

/**
 * One of each item the version before workspaces wrote, as it wrote them (literally: today's code cannot
 * write them): a template and a robot with their name claims and names ever used, the robot's subscription,
 * a report event, a tool's delivery, a push record with its content, the robot's send window.
 */
function previousVersionItems(suffix: string) {
  const templateId = `t-${suffix}`;
  const robotId = `r-${suffix}`;
  const recordId = `rec-${suffix}`;
  const eventId = `ev-${suffix}`;
  const at = '2026-11-30T08:00:00.000Z';
  const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
  const report = { eventId, reportId: `report-${suffix}`, reportName: 'Old report' };
  const shard = String(shardOf(recordId)).padStart(2, '0');
  return {
    ids: { templateId, robotId, recordId, eventId, reportId: report.reportId, robotName: `Old robot ${suffix}` },
    items: [
      {
        pk: `TEMPLATE#${templateId}`,
        sk: 'TEMPLATE',
        listPk: 'TEMPLATES',
        listSk: `old template ${suffix}#${templateId}`,
        nameLower: `old template ${suffix}`,
        id: templateId,
        name: `Old template ${suffix}`,
        msgType: 'text',
        text: 'hi {{reportName}}',
        version: 1,
        robotCount: 1,
        createdAt: at,
        updatedAt: at,
      },
      { pk: `TEMPLATE_NAME#old template ${suffix}`, sk: 'NAME', id: templateId },
      { pk: 'NAMES#template', sk: `old template ${suffix}#${templateId}`, id: templateId, nameLower: `old template ${suffix}` },
      {
        pk: `ROBOT#${robotId}`,
        sk: 'ROBOT',
        listPk: 'ROBOTS',
        listSk: `old robot ${suffix}#${robotId}`,
        nameLower: `old robot ${suffix}`,
        id: robotId,
        name: `Old robot ${suffix}`,
        channel: 'dingtalk',
        webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=sealed-elsewhere',
        webhookUrlMasked: 'https://oapi.dingtalk.com/robot/send?access_token=****',
        templateId,
        reports: [report.reportId],
        keywords: [],
        enabled: false,
        onUncertain: 'resend',
        consecutiveFailures: 0,
        version: 1,
        createdAt: at,
        updatedAt: at,
      },
      { pk: `ROBOT_NAME#old robot ${suffix}`, sk: 'NAME', id: robotId },
      { pk: 'NAMES#robot', sk: `old robot ${suffix}#${robotId}`, id: robotId, nameLower: `old robot ${suffix}` },
      {
        pk: `SUBSCRIPTION#${report.reportId}`,
        sk: `ROBOT#${robotId}`,
        robotId,
        robotName: `Old robot ${suffix}`,
        templateId,
        enabled: false,
      },
      {
        pk: `EVENT#${eventId}`,
        sk: 'EVENT',
        eventId,
        reportId: report.reportId,
        report,
        status: 'queued',
        jobs: 1,
        startedAt: Date.parse(at),
        payloadHash: 'hash-of-the-old-payload',
        expiresAt,
      },
      {
        pk: `DELIVERY#alertmanager:${suffix}`,
        sk: 'DELIVERY',
        eventId: `alertmanager:${suffix}:x`,
        firstSeenAt: Date.parse(at),
        expiresAt,
      },
      {
        pk: `RECORD#${recordId}`,
        sk: 'RECORD',
        id: recordId,
        eventId,
        reportId: report.reportId,
        reportName: report.reportName,
        robotId,
        robotName: `Old robot ${suffix}`,
        channel: 'dingtalk',
        templateId,
        templateName: `Old template ${suffix}`,
        status: 'failed',
        attempts: 1,
        attemptLog: [],
        createdAt: at,
        updatedAt: at,
        expiresAt,
        listPk: `RECORDS#${shard}`,
        listSk: `${at}#${recordId}`,
        robotKey: `ROBOT#${robotId}`,
        templateKey: `TEMPLATE#${templateId}#${shard}`,
        eventKey: `EVENT#${eventId}#${shard}`,
        statusKey: `STATUS#failed#${shard}`,
        robotNameLower: `old robot ${suffix}`,
        templateNameLower: `old template ${suffix}`,
      },
      { pk: `RECORD#${recordId}`, sk: 'CONTENT', contentText: '{"msgtype":"text","text":{"content":"hi Old report"}}', expiresAt },
      { pk: `RATE#${robotId}`, sk: 'RATE', sends: [] },
    ],
  };
}

async function putAll(endpoint: string, tableName: string, items: Record<string, unknown>[]) {
  const documents = documentsAt(endpoint);
  for (const item of items) await documents.send(new PutCommand({ TableName: tableName, Item: item }));
  documents.destroy();
}

describe('the table migration', () => {
  it('gives every robot and record its channel, moves everything of the version before workspaces into default; a second run changes nothing', async () => {
    const { robotId, recordId, goneRecordId } = await oldShapedRobotAndRecord();
    const old = previousVersionItems(randomUUID().slice(0, 8));
    await putAll(process.env.DYNAMODB_ENDPOINT!, process.env.TABLE_NAME!, old.items);
    const target = { tableName: process.env.TABLE_NAME!, region: 'us-east-1', endpoint: process.env.DYNAMODB_ENDPOINT };
    // without the migration, the stripped robot is not a DingTalk robot to the filter, and the old one is in no workspace
    const before = await api('GET', '/robots?channel=dingtalk');
    expect(before.body.items.map((robot: { id: string }) => robot.id)).not.toContain(robotId);
    expect((await api('GET', `/robots/${old.ids.robotId}`)).status).toBe(404);

    const first = await migrateTable(target);
    expect(first.ran).toEqual([
      { name: 'robot-and-record-fields', changed: 3 },
      // every item of the old version but the record's content and the send window, which no workspace keys
      { name: 'workspaces', changed: old.items.length - 2 },
    ]);
    const robot = await api('GET', `/robots/${robotId}`);
    expect(robot.body).toMatchObject({ channel: 'dingtalk', onUncertain: 'resend' });
    expect((await api('GET', '/robots?channel=dingtalk')).body.items.map((r: { id: string }) => r.id)).toContain(robotId);
    const records = await api('GET', '/push-records?channel=dingtalk&limit=100');
    const ids = records.body.items.map((record: { id: string }) => record.id);
    expect(ids).toEqual(expect.arrayContaining([recordId, goneRecordId]));
    expect((await api('GET', `/push-records/${recordId}`)).body.channel).toBe('dingtalk');

    // the old version's items, read through today's API in the default workspace
    expect((await api('GET', `/robots/${old.ids.robotId}`)).body).toMatchObject({ workspaceId: 'default', templateId: old.ids.templateId });
    expect((await api('GET', `/templates/${old.ids.templateId}`)).body).toMatchObject({ workspaceId: 'default', robotCount: 1 });
    const listed = (query: string) =>
      api('GET', `/push-records?${query}`).then((answer) => answer.body.items.map((r: { id: string }) => r.id));
    for (const query of [
      `eventId=${old.ids.eventId}`,
      `robotId=${old.ids.robotId}`,
      `templateId=${old.ids.templateId}`,
      'status=failed&limit=100',
      `keyword=${encodeURIComponent(old.ids.robotName)}`,
    ])
      expect(await listed(query)).toContain(old.ids.recordId);
    expect((await api('GET', `/push-records/${old.ids.recordId}`)).body.content).toEqual({
      msgtype: 'text',
      text: { content: 'hi Old report' },
    });
    expect((await api('GET', `/robots?keyword=${encodeURIComponent(old.ids.robotName)}`)).body.items).toHaveLength(1);
    // its name is still taken, and its event is still the one seen
    const { webhookUrl } = await simulator.registerRobot();
    const sameName = await api('POST', '/robots', { body: { name: old.ids.robotName, webhookUrl, templateId: old.ids.templateId } });
    expect(sameName.status).toBe(409);
    expect(await eventsStore.report('default', old.ids.eventId)).toMatchObject({ reportName: 'Old report' });
    // nothing is left under an old key
    const keys = (await allItems()).map((item) => String(item.pk));
    expect(keys.filter((pk) => /^(TEMPLATE_NAME|ROBOT_NAME|SUBSCRIPTION|EVENT|DELIVERY)#/.test(pk) && !pk.includes('#default#'))).toEqual(
      [],
    );
    expect(keys.filter((pk) => pk === 'NAMES#robot' || pk === 'NAMES#template')).toEqual([]);

    const snapshot = JSON.stringify((await allItems()).filter((item) => !String(item.pk).startsWith('MIGRATION#')));
    const second = await migrateTable(target);
    expect(second).toEqual({ ran: [], skipped: ['robot-and-record-fields', 'workspaces'] });
    expect(JSON.stringify((await allItems()).filter((item) => !String(item.pk).startsWith('MIGRATION#')))).toBe(snapshot);
  });

  it("migrates npm start's table in a DATA_DIR (npm run migrate:data-dir), and a second run changes nothing", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dingpush-migrate-table-'));
    try {
      const first = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
      await ensureLocalTable({ dynamodbEndpoint: first.endpoint, region: 'us-east-1', tableName: 'dingpush-dev' });
      const old = previousVersionItems('datadir');
      await putAll(first.endpoint, 'dingpush-dev', old.items);
      await first.stop();

      expect(await migrateDataDirTable(dataDir)).toEqual({
        ran: [
          { name: 'robot-and-record-fields', changed: 0 },
          { name: 'workspaces', changed: old.items.length - 2 },
        ],
        skipped: [],
      });
      expect(await migrateDataDirTable(dataDir)).toEqual({ ran: [], skipped: ['robot-and-record-fields', 'workspaces'] });

      const again = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
      const reader = documentsAt(again.endpoint);
      const read = async (key: { pk: string; sk: string }) =>
        (await reader.send(new GetCommand({ TableName: 'dingpush-dev', Key: key }))).Item;
      const { robotId, recordId, eventId, templateId, robotName, reportId } = old.ids;
      // where today's code looks for each item of the default workspace
      expect(await read(keys.robot(robotId))).toMatchObject({ workspaceId: 'default', listPk: listPartitions.robots('default') });
      expect(await read(keys.robotName('default', robotName))).toMatchObject({ id: robotId, workspaceId: 'default' });
      expect(await read(keys.subscription('default', reportId, robotId))).toMatchObject({ robotId });
      expect(await read(keys.event('default', eventId))).toMatchObject({ eventId, workspaceId: 'default' });
      expect(await read(keys.template(templateId))).toMatchObject({ workspaceId: 'default', listPk: listPartitions.templates('default') });
      const record = await read(keys.record(recordId));
      expect(record).toMatchObject({
        workspaceId: 'default',
        ...recordIndexAttributes({ id: recordId, workspaceId: 'default', robotId, templateId, eventId, status: 'failed' }),
      });
      // and nothing where the old version kept it
      expect(await read({ pk: `ROBOT_NAME#${robotName.toLowerCase()}`, sk: 'NAME' })).toBeUndefined();
      expect(await read({ pk: `EVENT#${eventId}`, sk: 'EVENT' })).toBeUndefined();
      reader.destroy();
      await again.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
