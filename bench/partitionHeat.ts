// Partition heat: 20 events, each fanned out to 100 robots that share one template, through the real
// local pipeline. DynamoDB Local's stream of the table gives every item written (old and new image);
// each write is charged to the base table's partition and to each index partition the table definition
// puts the item in (a new key is a write, and so is leaving an old one). Printed: the largest share of
// record writes one partition key value takes, per index, and the ceiling that implies on AWS (about
// 1,000 writes per second per partition) next to DingTalk's own (20 pushes a minute per robot).
// Target: no key above 10 %. The same writes with the shard suffix taken off show the unsharded design.
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { machine, printTable, round, writeResult } from './support';
import { createRobots, startPipeline } from './pipeline';

const events = Number(process.env.BENCH_HEAT_EVENTS ?? 20);
const robotsPerEvent = Number(process.env.BENCH_HEAT_ROBOTS ?? 100);
const writesPerPartitionPerSecond = 1000;
const dingTalkPushesPerRobotPerSecond = 20 / 60;
const targetShare = 0.1;

interface IndexDefinition {
  name: string;
  hash: string;
  range?: string;
}

export async function partitionHeatBenchmark(): Promise<void> {
  // a rate limit no robot reaches: this counts writes, not waits
  const pipeline = await startPipeline({ environment: { DINGTALK_RATE_LIMIT: '100000/60' } });
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const admin = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
  const streams = new DynamoDBStreamsClient({ endpoint, region: 'us-east-1', credentials });
  try {
    const tableName = process.env.TABLE_NAME!;
    await admin.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }),
    );
    const { Table } = await admin.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes: IndexDefinition[] = [
      { name: 'table', hash: 'pk', range: 'sk' },
      ...(Table?.GlobalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName!,
        hash: index.KeySchema!.find((key) => key.KeyType === 'HASH')!.AttributeName!,
        range: index.KeySchema!.find((key) => key.KeyType === 'RANGE')?.AttributeName,
      })),
    ];

    await createRobots(pipeline, robotsPerEvent, 'heat');
    const workers = pipeline.startWorkers(4);
    const started = Date.now();
    for (let event = 0; event < events; event++) {
      await pipeline.service.intake.publishReportReady('default', {
        eventId: `heat-${event}`,
        reportId: 'heat',
        reportName: 'Heat',
        data: { rows: event },
      } as never);
    }
    await pipeline.untilDelivered(events * robotsPerEvent, 600_000);
    await workers.stop();
    const seconds = (Date.now() - started) / 1000;

    const records = await readStream(streams, Table!.LatestStreamArn!);
    const writes = new Map<string, Map<string, number>>(indexes.map((index) => [index.name, new Map()]));
    for (const record of records) {
      const before = record.dynamodb?.OldImage;
      const after = record.dynamodb?.NewImage;
      if ((after ?? before)?.sk?.S !== 'RECORD') continue;
      for (const index of indexes) {
        const keyIn = (image: typeof after) =>
          image && image[index.hash]?.S !== undefined && (!index.range || image[index.range] !== undefined)
            ? image[index.hash].S
            : undefined;
        const [oldKey, newKey] = [keyIn(before), keyIn(after)];
        const counts = writes.get(index.name)!;
        if (newKey !== undefined) counts.set(newKey, (counts.get(newKey) ?? 0) + 1);
        if (oldKey !== undefined && oldKey !== newKey) counts.set(oldKey, (counts.get(oldKey) ?? 0) + 1);
      }
    }

    const pushes = events * robotsPerEvent;
    const unsharded = (key: string) => key.replace(/#\d\d$/, '');
    const rows = indexes.map((index) => {
      const counts = writes.get(index.name)!;
      const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
      const hottest = Math.max(0, ...counts.values());
      const merged = new Map<string, number>();
      for (const [key, count] of counts) merged.set(unsharded(key), (merged.get(unsharded(key)) ?? 0) + count);
      const share = total === 0 ? 0 : hottest / total;
      const recordWritesPerSecond = share === 0 ? Infinity : writesPerPartitionPerSecond / share;
      const pushesPerSecond = recordWritesPerSecond / (total / pushes);
      return {
        index: index.name,
        'record writes': total,
        'partition keys': counts.size,
        'hottest key share %': round(share * 100, 2),
        'unsharded share %': round(total === 0 ? 0 : (Math.max(0, ...merged.values()) / total) * 100, 2),
        'ceiling pushes/s': Number.isFinite(pushesPerSecond) ? Math.round(pushesPerSecond) : 'none',
        'robots at DingTalk limit': Number.isFinite(pushesPerSecond)
          ? Math.round(pushesPerSecond / dingTalkPushesPerRobotPerSecond)
          : 'none',
      };
    });
    printTable(
      `Partition heat: ${events} events x ${robotsPerEvent} robots sharing one template (${pushes} pushes in ${round(seconds)} s)`,
      rows,
    );
    const worst = rows.reduce((a, b) => (b['hottest key share %'] > a['hottest key share %'] ? b : a));
    const ceiling = Math.min(...rows.map((row) => (typeof row['ceiling pushes/s'] === 'number' ? row['ceiling pushes/s'] : Infinity)));
    console.log(
      `hottest: ${worst.index} at ${worst['hottest key share %']} % (target under ${targetShare * 100} %). On AWS, at ~${writesPerPartitionPerSecond} writes/s per partition, ` +
        `the record writes cap the service at about ${ceiling} pushes/s, or ${Math.round(ceiling / dingTalkPushesPerRobotPerSecond)} robots each at DingTalk's 20 a minute.`,
    );
    const met = rows.every((row) => row['hottest key share %'] < targetShare * 100);
    console.log(met ? 'target met' : 'TARGET MISSED');
    console.log(
      `wrote ${writeResult('partition-heat', {
        machine: machine(),
        inputs: {
          events,
          robotsPerEvent,
          writesPerPartitionPerSecond,
          dingTalkLimit: '20 per minute per robot',
          streamRecords: records.length,
        },
        rows,
        ceilingPushesPerSecond: ceiling,
        ceilingRobotsAtDingTalkLimit: Math.round(ceiling / dingTalkPushesPerRobotPerSecond),
        targetShare,
        met,
      })}`,
    );
    if (!met) process.exitCode = 1;
  } finally {
    admin.destroy();
    streams.destroy();
    await pipeline.stop();
  }
}

/** Every record of every shard of the stream, from its start until a read comes back empty. */
async function readStream(client: DynamoDBStreamsClient, streamArn: string): Promise<_Record[]> {
  const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: _Record[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (
      await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
