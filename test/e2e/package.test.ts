// `serverless package` works offline and produces the stack AWS would get; this holds its key properties.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeList } from '../../schemas/routes';

const root = join(__dirname, '..', '..');
let outputDir: string;
let template: { Resources: Record<string, { Type: string; Properties: any }> };

/** What a deployer's shell may still hold after running npm start or the tests: none of it may reach the stack. */
const localShell = {
  ADMIN_TOKENS: 'shell-admin-token-4f1d',
  PUBLISHER_TOKENS: 'shell-publisher-token-9c2e',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:18000',
  SQS_ENDPOINT: 'http://127.0.0.1:18001',
  S3_ENDPOINT: 'http://127.0.0.1:18002',
  DINGTALK_ALLOWED_ORIGINS: 'http://127.0.0.1:14999',
  IMAGES_BUCKET: 'shell-local-images',
  PUBLIC_BASE_URL: 'http://127.0.0.1:13000',
  PUSH_RETRY_WINDOW: '17s',
  DINGTALK_RATE_LIMIT: '7/3',
  RECORD_RETENTION_DAYS: '3',
  LOG_LEVEL: 'debug',
};

beforeAll(() => {
  outputDir = mkdtempSync(join(tmpdir(), 'dingpush-package-'));
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/serverless/bin/serverless.js'), 'package', '--stage', 'ci', '--package', outputDir],
    {
      cwd: root,
      env: { ...process.env, ...localShell, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (result.status !== 0) throw new Error(`serverless package failed:\n${result.stdout}\n${result.stderr}`);
  template = JSON.parse(readFileSync(join(outputDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 150_000);

afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

const guardPackage = join(root, 'node_modules', '@cdklabs', 'cdk-validator-cfnguard');
const controlFolders = ['apigateway', 'cloudwatch', 'dynamodb', 'identityandaccessmanagement', 'lambda', 's3', 'sqs'];

/** Every Control Tower rule of those services, run with the cfn-guard binary the package carries. */
function controlTowerResults(templateFile: string): { control: string; failing: string[] }[] {
  const binary = join(guardPackage, 'bin', 'ubuntu', process.arch === 'arm64' ? 'aarch64' : 'x86_64', 'cfn-guard');
  const rules = join(guardPackage, 'rules', 'control-tower', 'cfn-guard');
  return controlFolders.flatMap((folder) =>
    readdirSync(join(rules, folder))
      .filter((file) => file.endsWith('.guard'))
      .map((file) => {
        const run = spawnSync(binary, ['validate', '-r', join(rules, folder, file), '-d', templateFile, '--show-summary', 'fail'], {
          encoding: 'utf8',
        });
        // 0: compliant, 19: not compliant; anything else is cfn-guard failing to run
        if (run.status !== 0 && run.status !== 19) throw new Error(`cfn-guard failed on ${file} (${run.status}): ${run.stderr}`);
        const control = file
          .replace(/\.guard$/, '')
          .toUpperCase()
          .replace(/-/g, '.');
        return { control, failing: [...new Set([...run.stdout.matchAll(/Resource = (\w+)/g)].map((match) => match[1]))] };
      }),
  );
}

/** The waiver table of docs/deploy.md: control, the resources it is waived for (* for any characters), reason. */
function documentedWaivers(): Map<string, RegExp[]> {
  const page = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  const section = page.slice(page.indexOf('<!-- control-tower-waivers -->'), page.indexOf('<!-- /control-tower-waivers -->'));
  const waivers = new Map<string, RegExp[]>();
  for (const [, control, resources, reason] of section.matchAll(/^\|\s*(CT\.[A-Z0-9.]+)\s*\|([^|]+)\|([^|]+)\|$/gm)) {
    expect(reason.trim().length).toBeGreaterThan(20);
    const patterns = resources.split(',').map((resource) => new RegExp(`^${resource.trim().replace(/`/g, '').replace(/\*/g, '\\w*')}$`));
    waivers.set(control, patterns);
  }
  expect(waivers.size).toBeGreaterThan(0);
  return waivers;
}

const ofType = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

describe('serverless package', () => {
  it('routes exactly the route table to its functions, every other path to the 404 of the health function, and lets only this API invoke them', () => {
    // no API Gateway authorizer: it would answer a request without a token itself, outside the error envelope
    expect(ofType('AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    const capitalized = (name: string) => name[0].toUpperCase() + name.slice(1);
    const declared = Object.fromEntries([
      ...routeList.map((route) => [`${route.method} ${route.path}`, `HttpApiIntegration${capitalized(route.function)}`]),
      ['$default', 'HttpApiIntegrationHealth'],
    ]);
    const packaged = Object.fromEntries(routes.map((route) => [route.RouteKey, route.Target['Fn::Join'][1][1].Ref]));
    expect(packaged).toEqual(declared);
    expect(routes.every((route) => route.AuthorizationType === undefined || route.AuthorizationType === 'NONE')).toBe(true);
    // CT.LAMBDA.PR.2 cannot read Fn::Join: every API permission names this API as its source here
    for (const [, permission] of ofType('AWS::Lambda::Permission').filter(([name]) => name.endsWith('HttpApi'))) {
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain('{"Ref":"HttpApi"},"/*"');
    }
  });

  it('logs every API request as one JSON line without the Authorization header or query values, and keeps every log group a year', () => {
    const stage = template.Resources.HttpApiStage.Properties;
    expect(JSON.stringify(stage.AccessLogSettings.DestinationArn)).toContain('HttpApiLogGroup');
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(Object.values(format).join(' ')).not.toMatch(/authorization|querystring|rawQueryString|\$context\.path/i);
    expect(format).toMatchObject({ routeKey: '$context.routeKey', status: '$context.status' });
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(12);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(365);
  });

  it('passes the Control Tower proactive controls, but for the waivers listed in docs/deploy.md', () => {
    const results = controlTowerResults(join(outputDir, 'cloudformation-template-update-stack.json'));
    const waivers = documentedWaivers();
    const failures = results.flatMap(({ control, failing }) => failing.map((resource) => ({ control, resource })));
    const unwaived = failures.filter(({ control, resource }) => !(waivers.get(control) ?? []).some((pattern) => pattern.test(resource)));
    expect(unwaived).toEqual([]);
    // and no waiver outlives its reason
    const stale = [...waivers].flatMap(([control, patterns]) =>
      patterns
        .filter((pattern) => !failures.some((failure) => failure.control === control && pattern.test(failure.resource)))
        .map((pattern) => `${control} ${pattern}`),
    );
    expect(stale).toEqual([]);
    expect(results.length).toBeGreaterThan(30);
  });

  it('defines the table with on-demand billing, TTL, PITR, encryption and the record indexes', () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table');
    expect(table.Properties.TableName).toBe('dingpush-ci');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
    expect(table.Properties.SSESpecification.SSEEnabled).toBe(true);
    expect(table.Properties.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName).sort()).toEqual([
      'byList',
      'recordsByEvent',
      'recordsByRobot',
      'recordsByStatus',
      'recordsByTemplate',
    ]);
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
    // one queue of push jobs: the FIFO queue is the worker's only event source
    expect(mappings).toHaveLength(1);
    expect(
      ofType('AWS::SQS::Queue')
        .map(([name]) => name)
        .sort(),
    ).toEqual(['PushJobsFifoDeadLetterQueue', 'PushJobsFifoQueue']);
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
    // the instance tokens are read only by the functions that authorize callers, through one managed policy
    const policyOf = (name: string) => JSON.stringify(template.Resources[name].Properties.Policies);
    const authorizing = ['TemplatesRole', 'RobotsRole', 'EventsRole', 'PushRecordsRole', 'TeamsRole', 'DingTalkAppsRole'];
    for (const [name, role] of ofType('AWS::IAM::Role')) {
      expect(policyOf(name)).not.toContain('ssm:');
      expect(role.Properties.ManagedPolicyArns ?? []).toEqual(authorizing.includes(name) ? [{ Ref: 'AuthorizePolicy' }] : []);
    }
    const authorizePolicy = template.Resources.AuthorizePolicy.Properties.PolicyDocument.Statement;
    expect(JSON.stringify(authorizePolicy)).toContain('ssm:GetParameters');
    for (const statement of authorizePolicy) for (const resource of [statement.Resource].flat()) expect(resource).not.toBe('*');
    // contents and large fan-outs are written in batches
    expect(policyOf('WorkerRole')).toContain('dynamodb:BatchWriteItem');
    expect(policyOf('HealthRole')).not.toMatch(/dynamodb:|sqs:|ssm:/);
  });

  it("seals credentials with a KMS key of its own, opened only by the worker, the apps' callback and the records' recall", () => {
    expect(template.Resources.CredentialsKey.Properties.EnableKeyRotation).toBe(true);
    const policyOf = (name: string) => JSON.stringify(template.Resources[name].Properties.Policies);
    expect(policyOf('WorkerRole')).toContain('kms:Decrypt');
    expect(policyOf('RobotsRole')).toContain('kms:GenerateDataKey');
    // an app's secret is the key of its callback's signature: the apps' function opens it to check one; the
    // records' function opens an app's token (or its secret, to fetch one) to recall a push or read who read it
    expect(policyOf('DingTalkAppsRole')).toContain('kms:Decrypt');
    expect(policyOf('PushRecordsRole')).toContain('kms:Decrypt');
    for (const role of ['RobotsRole', 'EventsRole', 'TemplatesRole', 'SweeperRole', 'TeamsRole'])
      expect(policyOf(role)).not.toContain('kms:Decrypt');
  });

  it("takes nothing from the deployer's shell: no token, endpoint, local origin or local setting", () => {
    const text = JSON.stringify(template);
    for (const [name, value] of Object.entries(localShell).filter(([name]) => !['RECORD_RETENTION_DAYS', 'LOG_LEVEL'].includes(name)))
      expect({ name, leaked: text.includes(value) }).toEqual({ name, leaked: false });
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const variables = fn.Properties.Environment.Variables;
      expect(variables).not.toHaveProperty('ADMIN_TOKENS');
      expect(variables).not.toHaveProperty('DYNAMODB_ENDPOINT');
      expect(variables).toMatchObject({
        DINGTALK_ALLOWED_ORIGINS: 'https://oapi.dingtalk.com,https://oapi.dingtalk.io',
        LOG_LEVEL: 'info',
        RECORD_RETENTION_DAYS: '90',
        IMAGES_BUCKET: { Ref: 'ImagesBucket' },
      });
    }
  });

  it('reads tokens from SSM in AWS and namespaces names by stage', () => {
    const worker = ofType('AWS::Lambda::Function').find(([name]) => name.startsWith('Worker'))![1];
    expect(worker.Properties.FunctionName).toBe('dingpush-ci-worker');
    expect(worker.Properties.Environment.Variables).toMatchObject({
      ADMIN_TOKENS_PARAMETER: '/dingpush/ci/admin-tokens',
      TABLE_NAME: 'dingpush-ci',
      STAGE: 'ci',
    });
    expect(template.Resources.PushJobsFifoQueue.Properties.QueueName).toBe('dingpush-ci-push-jobs.fifo');
  });

  it('alarms on the dead-letter queue, the failure rate and a push retrying for an hour, notifying the alarm topic', () => {
    const alarms = Object.fromEntries(ofType('AWS::CloudWatch::Alarm'));
    for (const alarm of Object.values(alarms)) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    // no endpoint given at package time: the topic exists, its subscription only with --param alarmEndpoint
    expect((template.Resources.AlarmSubscription as unknown as { Condition: string }).Condition).toBe('HasAlarmEndpoint');
    expect(alarms.DeadLetterQueueAlarm.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    expect(alarms.DeadLetterQueueAlarm.Properties.Dimensions).toEqual([{ Name: 'QueueName', Value: 'dingpush-ci-push-jobs-dlq.fifo' }]);
    expect(alarms.PushFailureRateAlarm.Properties.Metrics.map((m: { Id: string }) => m.Id)).toEqual(['sent', 'failed', 'rate']);
    expect(alarms.RetryingPushAgeAlarm.Properties).toMatchObject({
      Namespace: 'dingpush',
      MetricName: 'RetryingPushAge',
      Statistic: 'Maximum',
      Threshold: 3_600_000,
      Dimensions: [{ Name: 'Stage', Value: 'ci' }],
    });
    // retries through a day's outage are receives: the redrive must not move a waiting push to the DLQ
    expect(template.Resources.PushJobsFifoQueue.Properties.RedrivePolicy.maxReceiveCount).toBe(1000);
  });

  it('bundles each function on its own, the worker under 500 KB, the console with its files', () => {
    const zips = readdirSync(outputDir).filter((file) => file.endsWith('.zip'));
    expect(zips.sort()).toEqual([
      'console.zip',
      'dingtalkApps.zip',
      'events.zip',
      'health.zip',
      'images.zip',
      'openapi.zip',
      'pushRecords.zip',
      'robots.zip',
      'sweeper.zip',
      'teams.zip',
      'templates.zip',
      'worker.zip',
    ]);
    expect(statSync(join(outputDir, 'worker.zip')).size).toBeLessThan(500 * 1024);
    // zip archives keep entry names uncompressed
    const listing = readFileSync(join(outputDir, 'console.zip')).toString('latin1');
    expect(listing).toContain('console/index.html');
    expect(listing).toContain('console/app.js');
  });
});
