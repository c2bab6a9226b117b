// Push record queries over a seeded DynamoDB Local: every filter alone and combined, pagination,
// content view, expiry, bad input.
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { simulator } from '../support/simulator';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../lib/aws/clients';
import { idsWithNameContaining } from '../../lib/store/namesStore';
import { recordsStore } from '../../lib/store/recordsStore';
import { newQueuedRecord, type PushRecord } from '../../lib/domain/pushRecord';
import { shardOf } from '../../lib/store/recordIndexes';
import { nameUsedPut } from '../../lib/store/table';
import { config } from '../../lib/config';
import type { PushStatus } from '../../schemas/pushRecord';

interface Seeded {
  robots: { id: string; name: string }[];
  templates: { id: string; name: string }[];
  records: PushRecord[];
}

const statuses: PushStatus[] = ['sent', 'failed', 'skipped', 'queued'];
let seeded: Seeded;

async function createTemplate(name: string) {
  return (await api('POST', '/templates', { body: { name, msgType: 'text', text: 'x' } })).body as { id: string; name: string };
}

async function createRobot(name: string, templateId: string) {
  const { webhookUrl } = await simulator.registerRobot();
  return (await api('POST', '/robots', { body: { name, webhookUrl, templateId } })).body as { id: string; name: string };
}

beforeAll(async () => {
  const templates = [await createTemplate('Sales digest'), await createTemplate('Ops alert')];
  const robots = [
    await createRobot('Finance group', templates[0].id),
    await createRobot('Warehouse group', templates[1].id),
    await createRobot('Exec group', templates[0].id),
  ];
  const base = Date.parse('2026-11-01T00:00:00.000Z');
  const records: PushRecord[] = [];
  for (let i = 0; i < 120; i++) {
    const robot = robots[i % 3];
    const template = i % 3 === 1 ? templates[1] : templates[0];
    const record = newQueuedRecord(
      {
        workspaceId: 'default',
        id: randomUUID(),
        eventId: `event-${i % 10}`,
        reportId: 'r',
        reportName: 'R',
        robotId: robot.id,
        robotName: robot.name,
        templateId: template.id,
        templateName: template.name,
      },
      new Date(base + i * 60_000),
    );
    record.status = statuses[i % 4];
    records.push(record);
  }
  // one record past retention
  const expired = newQueuedRecord(
    {
      workspaceId: 'default',
      id: randomUUID(),
      eventId: 'event-expired',
      reportId: 'r',
      reportName: 'R',
      robotId: robots[0].id,
      robotName: robots[0].name,
      templateId: templates[0].id,
      templateName: templates[0].name,
    },
    new Date(base - 1000),
  );
  expired.expiresAt = Math.floor(Date.now() / 1000) - 10;
  await recordsStore.putMany([...records, expired]);
  seeded = { robots, templates, records };
}, 60_000);

async function all(query: string): Promise<{ id: string }[]> {
  const items: { id: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response: any = await api('GET', `/push-records?${query}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.status).toBe(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
    expect(++pages).toBeLessThan(100);
  } while (cursor);
  return items;
}

function expected(predicate: (record: PushRecord) => boolean): string[] {
  return seeded.records
    .filter(predicate)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
    .map((record) => record.id);
}

describe('GET /push-records', () => {
  it('lists newest first across pages without duplicates or gaps, hiding expired records', async () => {
    const ids = (await all('')).map((item) => item.id);
    expect(ids).toEqual(expected(() => true));
  });

  it.each([
    ['robotId', (s: Seeded) => `robotId=${s.robots[1].id}`, (s: Seeded) => (r: PushRecord) => r.robotId === s.robots[1].id],
    ['templateId', (s: Seeded) => `templateId=${s.templates[1].id}`, (s: Seeded) => (r: PushRecord) => r.templateId === s.templates[1].id],
    ['status', () => 'status=failed', () => (r: PushRecord) => r.status === 'failed'],
    ['eventId', () => 'eventId=event-3', () => (r: PushRecord) => r.eventId === 'event-3'],
    [
      'time range',
      () => 'from=2026-11-01T00:30:00Z&to=2026-11-01T01:00:00Z',
      () => (r: PushRecord) => r.createdAt >= '2026-11-01T00:30:00.000Z' && r.createdAt <= '2026-11-01T01:00:00.000Z',
    ],
    ['keyword on robot name', () => 'keyword=WAREHOUSE', (s: Seeded) => (r: PushRecord) => r.robotId === s.robots[1].id],
    ['keyword on template name', () => 'keyword=digest', (s: Seeded) => (r: PushRecord) => r.templateId === s.templates[0].id],
    ['keyword matching both', () => 'keyword=group', () => () => true],
    [
      'robotId + status',
      (s: Seeded) => `robotId=${s.robots[0].id}&status=sent`,
      (s: Seeded) => (r: PushRecord) => r.robotId === s.robots[0].id && r.status === 'sent',
    ],
    [
      'keyword + status + time',
      () => 'keyword=exec&status=queued&from=2026-11-01T00:20:00Z',
      (s: Seeded) => (r: PushRecord) => r.robotId === s.robots[2].id && r.status === 'queued' && r.createdAt >= '2026-11-01T00:20:00.000Z',
    ],
    [
      'keyword (template) + robotId',
      (s: Seeded) => `keyword=ops alert&robotId=${s.robots[1].id}`,
      (s: Seeded) => (r: PushRecord) => r.robotId === s.robots[1].id && r.templateId === s.templates[1].id,
    ],
    [
      'keyword + templateId',
      (s: Seeded) => `keyword=finance&templateId=${s.templates[0].id}`,
      (s: Seeded) => (r: PushRecord) => r.robotId === s.robots[0].id && r.templateId === s.templates[0].id,
    ],
    [
      'eventId + robotId',
      (s: Seeded) => `eventId=event-4&robotId=${s.robots[1].id}`,
      (s: Seeded) => (r: PushRecord) => r.eventId === 'event-4' && r.robotId === s.robots[1].id,
    ],
    ['keyword matching nothing', () => 'keyword=nobody', () => () => false],
  ])('filters by %s', async (_label, query, predicate) => {
    const ids = (await all(query(seeded))).map((item) => item.id);
    expect(ids).toEqual(expected(predicate(seeded)));
  });

  it('finds records of a renamed robot by its new name and by its name at push time', async () => {
    const robot = seeded.robots[2];
    await api('PATCH', `/robots/${robot.id}`, { body: { name: 'Board room' } });
    const byOld = (await all('keyword=exec group')).map((item) => item.id);
    const byNew = (await all('keyword=board room')).map((item) => item.id);
    const own = expected((r) => r.robotId === robot.id);
    expect(byOld).toEqual(own);
    expect(byNew).toEqual(own);
  });

  it('keeps the names a keyword search reads for a few seconds, and sees a name this container writes at once', async () => {
    const marker = `Cachecheck ${randomUUID().slice(0, 8)}`;
    expect(await idsWithNameContaining('default', 'robot', marker)).toEqual(new Set());
    // a name another container wrote (straight to the table here) is found once the copy is a few seconds old
    await dynamodb.send(new PutCommand(nameUsedPut('default', 'robot', marker, 'written-elsewhere').Put));
    expect(await idsWithNameContaining('default', 'robot', marker)).toEqual(new Set());
    const robot = await createRobot(`${marker} here`, seeded.templates[0].id);
    expect(await idsWithNameContaining('default', 'robot', marker)).toEqual(new Set(['written-elsewhere', robot.id]));
  });

  it('spreads the records of one template, one event and one status over the shards; sent records leave the status index', async () => {
    const items =
      (
        await dynamodb.send(
          new ScanCommand({
            TableName: config.tableName,
            FilterExpression: 'sk = :record AND templateId = :template',
            ExpressionAttributeValues: { ':record': 'RECORD', ':template': seeded.templates[0].id },
          }),
        )
      ).Items ?? [];
    const fresh = items.filter((item) => item.listPk !== 'RECORDS');
    expect(fresh.length).toBeGreaterThanOrEqual(80);
    const distinct = (attribute: string) => new Set(fresh.map((item) => item[attribute])).size;
    // 80 records over 16 shards: all but a very unlucky draw touch at least 12
    expect(distinct('templateKey')).toBeGreaterThanOrEqual(12);
    expect(distinct('listPk')).toBeGreaterThanOrEqual(12);
    for (const item of fresh) {
      // every key carries the workspace
      expect(item.listPk).toMatch(/^RECORDS#default#\d\d$/);
      expect(item.templateKey).toBe(`TEMPLATE#default#${seeded.templates[0].id}#${String(shardOf(item.id)).padStart(2, '0')}`);
      expect(item.robotKey).toBe(`ROBOT#default#${item.robotId}`);
      if (item.status === 'sent') expect(item.statusKey).toBeUndefined();
      else expect(item.statusKey).toBe(`STATUS#default#${item.status}#${String(shardOf(item.id)).padStart(2, '0')}`);
    }
  });

  it('serves a keyword that matches many robots (one filtered pass over time) with the same results', async () => {
    // 50 robots match "broad": more partitions than the list merges, so it filters the time index
    const template = await createTemplate(`Plain ${randomUUID()}`);
    const broad = await Promise.all(
      Array.from({ length: 50 }, (_, i) => createRobot(`Broad team ${i} ${randomUUID().slice(0, 4)}`, template.id)),
    );
    const other = await createRobot(`Narrow ${randomUUID().slice(0, 4)}`, template.id);
    await api('PATCH', `/robots/${broad[3].id}`, { body: { name: `Renamed ${randomUUID().slice(0, 4)}` } });
    const base = Date.parse('2026-10-01T00:00:00.000Z');
    const records = [...broad, other].flatMap((robot, r) =>
      Array.from({ length: 3 }, (_, i) => {
        const record = newQueuedRecord(
          {
            workspaceId: 'default',
            id: randomUUID(),
            eventId: 'broad',
            reportId: 'r',
            reportName: 'R',
            robotId: robot.id,
            robotName: robot.name,
            templateId: template.id,
            templateName: template.name,
          },
          new Date(base + (r * 3 + i) * 1000),
        );
        record.status = i === 0 ? 'failed' : 'sent';
        return record;
      }),
    );
    await recordsStore.putMany(records);
    const expected = (keep: (record: PushRecord) => boolean) =>
      records
        .filter(keep)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
        .map((record) => record.id);
    const broadIds = new Set(broad.map((robot) => robot.id));
    expect((await all('keyword=BROAD TEAM')).map((item) => item.id)).toEqual(expected((record) => broadIds.has(record.robotId)));
    expect((await all('keyword=broad team&status=failed')).map((item) => item.id)).toEqual(
      expected((record) => broadIds.has(record.robotId) && record.status === 'failed'),
    );
  });

  it('keeps pages stable while new records arrive', async () => {
    const first: any = await api('GET', `/push-records?robotId=${seeded.robots[0].id}&limit=10`);
    const newer = newQueuedRecord({
      workspaceId: 'default',
      id: randomUUID(),
      eventId: 'late',
      reportId: 'r',
      reportName: 'R',
      robotId: seeded.robots[0].id,
      robotName: 'Finance group',
      templateId: seeded.templates[0].id,
      templateName: 'Sales digest',
    });
    await recordsStore.putMany([newer]);
    const second: any = await api('GET', `/push-records?robotId=${seeded.robots[0].id}&limit=10&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((item: { id: string }) => item.id);
    expect(ids).toEqual(expected((r) => r.robotId === seeded.robots[0].id).slice(0, 20));
  });

  it('returns summaries without content', async () => {
    const page: any = await api('GET', '/push-records?limit=1');
    expect(Object.keys(page.body.items[0]).sort()).toEqual(
      expect.arrayContaining([
        'id',
        'eventId',
        'reportId',
        'robotId',
        'robotName',
        'templateId',
        'templateName',
        'status',
        'attempts',
        'createdAt',
      ]),
    );
    expect(page.body.items[0].content).toBeUndefined();
    expect(page.body.items[0].attemptLog).toBeUndefined();
  });

  it.each([
    ['an unparsable cursor', 'cursor=%%%garbage', /cursor/],
    ['a forged cursor', `cursor=${Buffer.from('{"before":"x"}').toString('base64url')}`, /cursor/],
    ['from after to', 'from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', /from is after to/],
    ['limit 0', 'limit=0', /limit/],
    ['limit 100000', 'limit=100000', /limit/],
    ['an unknown status', 'status=lost', /status must be one of/],
    ['an unknown parameter', 'colour=red', /colour is not an allowed field/],
    ['a time that is not a time', 'from=yesterday', /from/],
    ['a leap second, which JavaScript cannot read', 'to=2026-12-31T23:59:60Z', /to is not a valid time/],
  ])('refuses %s with 400', async (_label, query, message) => {
    const response = await api('GET', `/push-records?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(message);
  });

  it('404 for unknown and expired records', async () => {
    expect((await api('GET', '/push-records/nope')).status).toBe(404);
  });
});

describe('GET /push-statistics', () => {
  it('counts pushes per day by final status for the last days, oldest first', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const before = (await api('GET', '/push-statistics?days=3')).body.days;
    const made = (['sent', 'sent', 'failed', 'skipped', 'queued'] as PushStatus[]).map((status) => {
      const record = newQueuedRecord({
        workspaceId: 'default',
        id: randomUUID(),
        eventId: 'stats',
        reportId: 'r',
        reportName: 'R',
        robotId: seeded.robots[0].id,
        robotName: 'Finance group',
        templateId: seeded.templates[0].id,
        templateName: 'Sales digest',
      });
      record.status = status;
      return record;
    });
    await recordsStore.putMany(made);
    const response = await api('GET', '/push-statistics?days=3');
    expect(response.status).toBe(200);
    expect(response.body.days.map((day: { date: string }) => day.date)[2]).toBe(today);
    const [todayBefore, todayAfter] = [before[2], response.body.days[2]];
    expect({
      sent: todayAfter.sent - todayBefore.sent,
      failed: todayAfter.failed - todayBefore.failed,
      skipped: todayAfter.skipped - todayBefore.skipped,
    }).toEqual({ sent: 2, failed: 1, skipped: 1 });
    expect((await api('GET', '/push-statistics?days=0')).status).toBe(400);
  });
});
