// `serverless package` works offline and produces the stack AWS would get; this holds its key properties.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
let outputDir: string;
let template: { Resources: Record<string, { Type: string; Properties: any }> };

beforeAll(() => {
  outputDir = mkdtempSync(join(tmpdir(), 'dingpush-package-'));
  const result = spawnSync(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci', '--package', outputDir], {
    cwd: root,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`serverless package failed:\n${result.stdout}\n${result.stderr}`);
  template = JSON.parse(readFileSync(join(outputDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 150_000);

afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

describe('serverless package', () => {
  it('defines the table with on-demand billing, TTL, PITR, encryption and the record indexes', () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table');
    expect(table.Properties.TableName).toBe('dingpush-ci');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
    expect(table.Properties.SSESpecification.SSEEnabled).toBe(true);
    expect(table.Properties.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName).sort()).toEqual(
      ['byList', 'recordsByEvent', 'recordsByRobot', 'recordsByStatus', 'recordsByTemplate'],
    );
  });

  it('queues push jobs on a high-throughput FIFO queue with a FIFO DLQ and a visibility timeout of at least 6x the worker timeout', () => {
    const queue = template.Resources.PushJobsFifoQueue.Properties;
    expect(queue).toMatchObject({ FifoQueue: true, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    expect(template.Resources.PushJobsFifoDeadLetterQueue.Properties.FifoQueue).toBe(true);
    expect(JSON.stringify(queue.RedrivePolicy.deadLetterTargetArn)).toContain('PushJobsFifoDeadLetterQueue');
    // rate-limit waits and retries are receives too: the redrive must only catch crash loops
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(20);
    const worker = ofType('AWS::Lambda::Function').find(([name]) => name.startsWith('Worker'))![1];
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Properties.Timeout);
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    const fifo = mappings.find((mapping) => JSON.stringify(mapping.EventSourceArn).includes('PushJobsFifoQueue'))!;
    expect(fifo.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(fifo.BatchSize).toBeLessThanOrEqual(10);
    // FIFO event sources take no batching window
    expect(fifo.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
    expect(fifo.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
    // the previous versions' standard queue is still drained by the worker, so a deploy loses none of its jobs
    expect(template.Resources.PushJobsQueue.Properties.QueueName).toBe('dingpush-ci-push-jobs');
    expect(mappings.some((mapping) => JSON.stringify(mapping.EventSourceArn).includes('"PushJobsQueue"'))).toBe(true);
  });

  it('gives every function its own role with no wildcard action or resource', () => {
    const functions = ofType('AWS::Lambda::Function');
    const roles = functions.map(([, fn]) => JSON.stringify(fn.Properties.Role));
    expect(new Set(roles).size).toBe(functions.length);
    for (const [, role] of ofType('AWS::IAM::Role')) {
      for (const policy of role.Properties.Policies ?? []) {
        for (const statement of policy.PolicyDocument.Statement) {
          for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
          for (const resource of [statement.Resource].flat()) expect(resource).not.toBe('*');
        }
      }
    }
    // the worker may not touch SSM, the health check may touch nothing but its logs
    const policyOf = (name: string) => JSON.stringify(template.Resources[name].Properties.Policies);
    expect(policyOf('WorkerRole')).not.toContain('ssm:');
    // contents and large fan-outs are written in batches
    expect(policyOf('WorkerRole')).toContain('dynamodb:BatchWriteItem');
    expect(policyOf('HealthRole')).not.toMatch(/dynamodb:|sqs:|ssm:/);
  });

  it('seals robots\' credentials with a KMS key of its own, opened only by the worker', () => {
    expect(template.Resources.CredentialsKey.Properties.EnableKeyRotation).toBe(true);
    const policyOf = (name: string) => JSON.stringify(template.Resources[name].Properties.Policies);
    expect(policyOf('WorkerRole')).toContain('kms:Decrypt');
    expect(policyOf('RobotsRole')).toContain('kms:GenerateDataKey');
    for (const role of ['RobotsRole', 'EventsRole', 'PushRecordsRole', 'TemplatesRole', 'SweeperRole']) expect(policyOf(role)).not.toContain('kms:Decrypt');
  });

  it('reads tokens from SSM in AWS and namespaces names by stage', () => {
    const worker = ofType('AWS::Lambda::Function').find(([name]) => name.startsWith('Worker'))![1];
    expect(worker.Properties.FunctionName).toBe('dingpush-ci-worker');
    expect(worker.Properties.Environment.Variables).toMatchObject({ ADMIN_TOKENS_PARAMETER: '/dingpush/ci/admin-tokens', TABLE_NAME: 'dingpush-ci', STAGE: 'ci' });
    expect(template.Resources.PushJobsFifoQueue.Properties.QueueName).toBe('dingpush-ci-push-jobs.fifo');
  });

  it('alarms on the dead-letter queue and on the failure rate', () => {
    const alarms = Object.fromEntries(ofType('AWS::CloudWatch::Alarm'));
    expect(alarms.DeadLetterQueueAlarm.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    expect(alarms.DeadLetterQueueAlarm.Properties.Dimensions).toEqual([{ Name: 'QueueName', Value: 'dingpush-ci-push-jobs-dlq.fifo' }]);
    expect(alarms.PushFailureRateAlarm.Properties.Metrics.map((m: { Id: string }) => m.Id)).toEqual(['sent', 'failed', 'rate']);
  });

  it('bundles each function on its own, the worker under 500 KB, the console with its files', () => {
    const zips = readdirSync(outputDir).filter((file) => file.endsWith('.zip'));
    expect(zips.sort()).toEqual(['console.zip', 'events.zip', 'health.zip', 'openapi.zip', 'pushRecords.zip', 'robots.zip', 'sweeper.zip', 'templates.zip', 'worker.zip']);
    expect(statSync(join(outputDir, 'worker.zip')).size).toBeLessThan(500 * 1024);
    // zip archives keep entry names uncompressed
    const listing = readFileSync(join(outputDir, 'console.zip')).toString('latin1');
    expect(listing).toContain('console/index.html');
    expect(listing).toContain('console/app.js');
  });
});
