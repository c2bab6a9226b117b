// Benchmark 0: cost per push, counted not timed. One report event fanned out to 100 robots and delivered,
// with every AWS request of the path counted (intake, worker, the event source's receives and deletes)
// and the capacity units DynamoDB reports for each. Target: ≤ 2 write units, ≤ 1 read unit and ≤ 0.4 SQS
// requests per delivered push.
import { machine, printTable, round, writeResult } from './support';
import { createRobots, startPipeline } from './pipeline';

const robots = Number(process.env.BENCH_COST_ROBOTS ?? 100);

export async function costPerPushBenchmark(): Promise<void> {
  const pipeline = await startPipeline();
  try {
    await createRobots(pipeline, robots, 'cost');
    pipeline.meter.reset();
    const intake = await pipeline.service.intake.publishReportReady({ eventId: 'cost-1', reportId: 'cost', reportName: 'Daily cost', data: { rows: 42 } } as never);
    const afterIntake = { dynamodb: pipeline.meter.count('dynamodb'), sqs: pipeline.meter.count('sqs'), read: pipeline.meter.readCapacity, write: pipeline.meter.writeCapacity };
    const workers = pipeline.startWorkers(2);
    await pipeline.untilDelivered(robots, 120_000);
    await workers.stop();
    const page = await pipeline.service.records.recordsStore.list({ eventId: 'cost-1' }, { limit: robots + 1 });
    const sent = page.items.filter((record) => record.status === 'sent').length;
    if (intake.jobs !== robots || sent !== robots) throw new Error(`expected ${robots} sent pushes; intake queued ${intake.jobs}, ${sent} sent`);

    const { meter } = pipeline;
    // the pollers' last long polls find nothing; Lambda's event source makes those too, whatever the volume
    const perPush = (value: number) => round(value / robots, 2);
    const rows = [
      { measure: 'DynamoDB write units', intake: perPush(afterIntake.write), worker: perPush(meter.writeCapacity - afterIntake.write), total: perPush(meter.writeCapacity), target: 2 },
      { measure: 'DynamoDB read units', intake: perPush(afterIntake.read), worker: perPush(meter.readCapacity - afterIntake.read), total: perPush(meter.readCapacity), target: 1 },
      { measure: 'DynamoDB requests', intake: perPush(afterIntake.dynamodb), worker: perPush(meter.count('dynamodb') - afterIntake.dynamodb), total: perPush(meter.count('dynamodb')), target: '-' },
      { measure: 'SQS requests', intake: perPush(afterIntake.sqs), worker: perPush(meter.count('sqs') - afterIntake.sqs), total: perPush(meter.count('sqs')), target: 0.4 },
    ];
    printTable(`Cost per delivered push: 1 event → ${robots} robots (per push)`, rows);
    const operations = [...meter.requests].sort().map(([operation, count]) => ({ operation, requests: count, 'per push': perPush(count), 'mean ms': round((meter.milliseconds.get(operation) ?? 0) / count, 1) }));
    printTable('Requests by operation (whole run)', operations);
    console.log(`\n${floorExplanation}`);
    console.log(`wrote ${writeResult('cost-per-push', { machine: machine(), inputs: { robots, events: 1 }, perPush: rows, operations, floor: floorExplanation })}`);
  } finally {
    await pipeline.stop();
  }
}

const floorExplanation = [
  'The floor of this design, per push, and where the units go (DynamoDB counts every index copy):',
  '- SQS 0.3 requests: send, receive and delete, ten to a request; 0.4 allows one partial batch in ten.',
  '- Reads: the robot (0.5, in one eventually consistent BatchGetItem per worker batch) and its rate-limit',
  '  log (0.5 once it exists; a first push finds none), plus a share of the template and subscriber reads.',
  '- Writes 8 units: the intake writes only the event (twice per event: 0.02 per push); the worker writes',
  '  each record once, when its attempt has ended, in the table and its 5 indexes (6), with its content (1)',
  '  in the same batch write, and the robot\'s send log (1), whose one conditional write both reserves the',
  '  slot and claims the record. 2 write units per push would need the record copied into at most one index;',
  '  see bench/README.md for what that would cost the record queries.',
].join('\n');
