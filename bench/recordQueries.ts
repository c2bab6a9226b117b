// Benchmark 4: push-record queries at 10k, 50k and 200k records against a Scan-and-filter baseline on the
// same data, in the same run. Target: a filtered page stays flat as the table grows (p99 at 200k within
// 1.2x of 10k), and is at least 20x faster than the Scan at 200k.
import { randomUUID } from 'node:crypto';
import { startDynamoDbLocal } from '../scripts/local-stack';
import { ensureLocalTable } from '../scripts/local-resources';
import { machine, percentile, printTable, round, timeIt, writeResult } from './support';

const sizes = (process.env.BENCH_RECORD_SIZES ?? '10000,50000,200000').split(',').map(Number);
const pageRepetitions = Number(process.env.BENCH_PAGE_REPETITIONS ?? 100);
const warmUpRepetitions = 10;
const scanRepetitions = Number(process.env.BENCH_SCAN_REPETITIONS ?? 2);
const robotCount = 200;
const templateCount = 20;

export async function recordQueriesBenchmark(): Promise<void> {
  const dynamodb = await startDynamoDbLocal();
  try {
    Object.assign(process.env, {
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      TABLE_NAME: 'bench-records',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    await ensureLocalTable({ dynamodbEndpoint: dynamodb.endpoint, tableName: 'bench-records' });
    // loaded after the environment is set: the service reads its configuration at load
    const { recordsStore } = await import('../lib/store/recordsStore');
    const { newQueuedRecord } = await import('../lib/domain/pushRecord');
    const { dynamodb: client } = await import('../lib/aws/clients');
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const { batchPutAll, nameUsedPut } = await import('../lib/store/table');

    const robots = Array.from({ length: robotCount }, (_, i) => ({ id: randomUUID(), name: `Robot ${String(i).padStart(4, '0')}` }));
    const templates = Array.from({ length: templateCount }, (_, i) => ({
      id: randomUUID(),
      name: `Template ${String(i).padStart(3, '0')}`,
    }));
    const names = [
      ...robots.map((r) => nameUsedPut('default', 'robot', r.name, r.id)),
      ...templates.map((t) => nameUsedPut('default', 'template', t.name, t.id)),
    ];
    await batchPutAll(names.map((name) => name.Put.Item));

    const start = Date.parse('2026-10-01T00:00:00Z');
    const spanMs = 30 * 86_400_000;
    const statusFor = (i: number) => (i % 20 === 0 ? 'failed' : i % 33 === 0 ? 'skipped' : i % 50 === 0 ? 'queued' : 'sent');
    let seeded = 0;
    const seedTo = async (target: number) => {
      const batch = [];
      for (; seeded < target; seeded++) {
        const robot = robots[seeded % robotCount];
        const template = templates[seeded % templateCount];
        const record = newQueuedRecord(
          {
            id: randomUUID(),
            workspaceId: 'default',
            eventId: `event-${Math.floor(seeded / 50)}`,
            reportId: 'bench',
            reportName: 'Bench',
            robotId: robot.id,
            robotName: robot.name,
            templateId: template.id,
            templateName: template.name,
          },
          new Date(start + Math.floor(Math.random() * spanMs)),
        );
        record.status = statusFor(seeded) as typeof record.status;
        batch.push(record);
        if (batch.length === 1000) await recordsStore.putMany(batch.splice(0));
      }
      await recordsStore.putMany(batch);
    };

    const target = robots[42];
    const filters = {
      keyword: { keyword: 'robot 0042' },
      robotId: { robotId: target.id },
      status: { status: 'failed' as const },
      timeRange: { from: '2026-10-15T00:00:00.000Z', to: '2026-10-15T06:00:00.000Z' },
      combined: { keyword: 'robot 0042', status: 'sent' as const, from: '2026-10-05T00:00:00.000Z', to: '2026-10-25T00:00:00.000Z' },
    };
    // The baseline reads every item and filters: the whole table is read whatever the filter, so one
    // timed Scan per size serves every filter; the page is the 20 newest matches.
    const scanAll = async () => {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: 'bench-records', ExclusiveStartKey: startKey }));
        items.push(...(page.Items ?? []).filter((item) => item.sk === 'RECORD'));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    };
    const newestMatches = (items: Record<string, unknown>[], predicate: (item: Record<string, unknown>) => boolean) =>
      items
        .filter(predicate)
        .sort((a, b) => (String(a.listSk) < String(b.listSk) ? 1 : -1))
        .slice(0, 20);
    const predicates: Record<keyof typeof filters, (item: Record<string, unknown>) => boolean> = {
      keyword: (item) => String(item.robotNameLower).includes('robot 0042') || String(item.templateNameLower).includes('robot 0042'),
      robotId: (item) => item.robotId === target.id,
      status: (item) => item.status === 'failed',
      timeRange: (item) => String(item.createdAt) >= filters.timeRange.from && String(item.createdAt) <= filters.timeRange.to,
      combined: (item) =>
        String(item.robotNameLower).includes('robot 0042') &&
        item.status === 'sent' &&
        String(item.createdAt) >= filters.combined.from &&
        String(item.createdAt) <= filters.combined.to,
    };

    const rows: Record<string, string | number>[] = [];
    for (const size of sizes) {
      const seedStarted = Date.now();
      await seedTo(size);
      console.log(`seeded ${size} records (${round((Date.now() - seedStarted) / 1000)} s)`);
      let everything: Record<string, unknown>[] = [];
      const scanSamples = await timeIt(async () => {
        everything = await scanAll();
      }, scanRepetitions);
      for (const [name, filter] of Object.entries(filters) as [keyof typeof filters, (typeof filters)[keyof typeof filters]][]) {
        const first = await recordsStore.list({ workspaceId: 'default', ...filter }, { limit: 20 });
        const filterStarted = process.hrtime.bigint();
        const expectedIds = newestMatches(everything, predicates[name]).map((item) => item.id);
        const filterMs = Number(process.hrtime.bigint() - filterStarted) / 1e6;
        if (JSON.stringify(first.items.map((item) => item.id)) !== JSON.stringify(expectedIds))
          throw new Error(`the ${name} page differs from the Scan baseline at ${size} records`);
        await timeIt(() => recordsStore.list({ workspaceId: 'default', ...filter }, { limit: 20 }), warmUpRepetitions);
        const indexed = await timeIt(() => recordsStore.list({ workspaceId: 'default', ...filter }, { limit: 20 }), pageRepetitions);
        const scanMs = percentile(scanSamples, 50) + filterMs;
        rows.push({
          records: size,
          filter: name,
          'page p50 ms': round(percentile(indexed, 50)),
          'page p99 ms': round(percentile(indexed, 99)),
          'scan p50 ms': round(scanMs),
          'scan / page': round(scanMs / percentile(indexed, 50)),
        });
      }
    }
    printTable('Push-record queries: indexed page vs Scan-and-filter (limit 20)', rows);
    const largest = sizes[sizes.length - 1];
    const flatness = Object.keys(filters).map((filter) => {
      const small = rows.find((row) => row.records === sizes[0] && row.filter === filter)!;
      const large = rows.find((row) => row.records === largest && row.filter === filter)!;
      return {
        filter,
        'p50 growth': round(Number(large['page p50 ms']) / Number(small['page p50 ms']), 2),
        'p99 growth': round(Number(large['page p99 ms']) / Number(small['page p99 ms']), 2),
        'speed-up over Scan': large['scan / page'],
      };
    });
    printTable(
      `Flatness (page at ${largest} / page at ${sizes[0]}; target p99 growth at most 1.2) and speed-up over Scan at ${largest} (target at least 20)`,
      flatness,
    );
    console.log(
      `\nwrote ${writeResult('record-queries', { machine: machine(), inputs: { sizes, pageRepetitions, scanRepetitions, robotCount, templateCount, limit: 20 }, rows, flatness })}`,
    );
  } finally {
    await dynamodb.stop();
  }
}
