// The delivery pipeline on real local pieces for the benchmarks: DynamoDB Local (in memory), fauxqs, the
// chat simulator in its own process (as the chat services are remote), and the service code in this process,
// fed by the same queue poller `npm start` uses. Optionally counts every AWS request and the capacity
// units DynamoDB reports (ReturnConsumedCapacity), through a middleware on the service's SDK clients.
import { instanceAdmin } from '../test/support/callers';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ensureSecretsKeyFile, freePort, startDynamoDbLocal, startQueuePoller, startSqsEmulator, stopChild } from '../scripts/local-stack';
import { ensureLocalResources } from '../scripts/local-resources';
import { waitFor } from '../test/support/waitFor';

const names = {
  tableName: 'bench-pipeline',
  pushQueueName: 'bench-push-jobs.fifo',
  pushDeadLetterQueueName: 'bench-push-jobs-dlq.fifo',
  imagesBucket: 'bench-images',
};

/** Requests and capacity units, per AWS operation. */
export class RequestMeter {
  readonly requests = new Map<string, number>();
  /** Milliseconds spent waiting on each operation, summed: where the local pieces spend their time. */
  readonly milliseconds = new Map<string, number>();
  readCapacity = 0;
  writeCapacity = 0;
  /** Push jobs (not fan-out page jobs) sent to the queue by the service. */
  pushJobsSent = 0;
  workerInvocations = 0;
  /** The worker invocations' summed duration as Lambda bills it (each rounded up to the millisecond), rate-limit waits included. */
  workerBilledMs = 0;

  reset(): void {
    this.workerInvocations = 0;
    this.workerBilledMs = 0;
    this.requests.clear();
    this.milliseconds.clear();
    this.pushJobsSent = 0;
    this.readCapacity = 0;
    this.writeCapacity = 0;
  }

  count(service: 'dynamodb' | 'sqs' | 's3'): number {
    let total = 0;
    for (const [operation, count] of this.requests) if (operation.startsWith(`${service}:`)) total += count;
    return total;
  }
}

const capacityOperations = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
]);

interface ConsumedCapacity {
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  CapacityUnits?: number;
}

export interface Pipeline {
  simulatorUrl: string;
  queueUrl: string;
  meter: RequestMeter;
  service: Awaited<ReturnType<typeof loadService>>;
  /** Starts `concurrency` pollers feeding the worker handler, as Lambda's event source would. */
  startWorkers: (concurrency: number) => { stop: () => Promise<void> };
  simulatorStats: () => Promise<{ requests: number; messages: number; distinctMessages: number; byErrcode: Record<string, number> }>;
  /** Resolves once the simulator holds `count` distinct messages (from the start of the run). */
  untilDelivered: (count: number, timeoutMs: number) => Promise<void>;
  stop: () => Promise<void>;
}

async function loadService() {
  // loaded after the environment is set: the service reads its configuration at load
  const [clients, templates, robots, intake, records, worker, sqs] = await Promise.all([
    import('../lib/aws/clients'),
    import('../lib/templates/templateService'),
    import('../lib/robots/robotService'),
    import('../lib/events/publishReportReady'),
    import('../lib/store/recordsStore'),
    import('../functions/worker'),
    import('@aws-sdk/client-sqs'),
  ]);
  return {
    clients,
    templates,
    robots,
    intake,
    records,
    worker: worker.handler as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
    sqs,
  };
}

export async function startPipeline(
  options: { environment?: Record<string, string>; simulatorRateLimit?: string } = {},
): Promise<Pipeline> {
  const [dynamodb, sqs] = await Promise.all([startDynamoDbLocal(), startSqsEmulator()]);
  const simulator = await startSimulatorProcess(options.simulatorRateLimit ?? 'off');
  const queues = await ensureLocalResources({ dynamodbEndpoint: dynamodb.endpoint, sqsEndpoint: sqs.endpoint, ...names });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    S3_ENDPOINT: sqs.endpoint,
    IMAGES_BUCKET: names.imagesBucket,
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    TABLE_NAME: names.tableName,
    PUSH_QUEUE_NAME: names.pushQueueName,
    PUSH_DLQ_NAME: names.pushDeadLetterQueueName,
    DINGTALK_ALLOWED_ORIGINS: simulator.url,
    SECRETS_KEY_FILE: ensureSecretsKeyFile(join(tmpdir(), `dingpush-bench-${process.pid}`, 'secrets.key')),
    LOG_LEVEL: 'warn',
    METRICS: 'off',
    ...options.environment,
  });
  const service = await loadService();
  const meter = new RequestMeter();
  meterClient(service.clients.dynamodb, 'dynamodb', meter);
  meterClient(service.clients.sqs, 'sqs', meter);
  meterClient(service.clients.s3, 's3', meter);
  // the poller's own client stands for Lambda's event source, whose receives and deletes are billed too
  const pollerClient = new service.sqs.SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  meterClient(pollerClient, 'sqs', meter);

  const simulatorStats = async () =>
    (await (await fetch(`${simulator.url}/_sim/stats`)).json()) as Awaited<ReturnType<Pipeline['simulatorStats']>>;
  return {
    simulatorUrl: simulator.url,
    queueUrl: queues.pushQueueUrl,
    meter,
    service,
    startWorkers: (concurrency) =>
      startQueuePoller({
        sqsEndpoint: sqs.endpoint,
        queueUrl: queues.pushQueueUrl,
        client: pollerClient,
        concurrency,
        waitTimeSeconds: 1,
        invoke: async (event) => {
          const started = performance.now();
          try {
            return await service.worker(event, { awsRequestId: 'bench' } as Context);
          } finally {
            meter.workerInvocations++;
            meter.workerBilledMs += Math.ceil(performance.now() - started);
          }
        },
        onError: (error) => console.error(`worker: ${(error as Error).message}`),
      }),
    simulatorStats,
    untilDelivered: async (count, timeoutMs) => {
      await waitFor(simulatorStats, (stats) => stats.distinctMessages >= count, { timeoutMs, what: `${count} deliveries` });
    },
    stop: async () => {
      pollerClient.destroy();
      await Promise.all([dynamodb.stop(), sqs.stop(), simulator.stop()]);
    },
  };
}

/** Counts each request by operation; asks DynamoDB for the capacity it consumed (table and indexes) and adds it up. */
function meterClient(
  client: { middlewareStack: { add: (...args: never[]) => void } },
  service: 'dynamodb' | 'sqs' | 's3',
  meter: RequestMeter,
): void {
  const middleware =
    (next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const name = service === 'dynamodb' ? dynamoOperation(operation) : operation;
      meter.requests.set(`${service}:${name}`, (meter.requests.get(`${service}:${name}`) ?? 0) + 1);
      if (service === 'dynamodb' && capacityOperations.has(name)) args.input.ReturnConsumedCapacity = 'TOTAL';
      if (name === 'SendMessageBatch') {
        const entries = (args.input.Entries ?? []) as { MessageBody?: string }[];
        meter.pushJobsSent += entries.filter((entry) => entry.MessageBody?.includes('"recordId"')).length;
      }
      const started = performance.now();
      const result = await next(args);
      meter.milliseconds.set(`${service}:${name}`, (meter.milliseconds.get(`${service}:${name}`) ?? 0) + performance.now() - started);
      if (service === 'dynamodb') {
        const consumed = result.output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
        for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
          const isWrite = /Put|Update|Delete|Write/.test(name);
          const units = entry.CapacityUnits ?? (isWrite ? entry.WriteCapacityUnits : entry.ReadCapacityUnits) ?? 0;
          if (isWrite) meter.writeCapacity += units;
          else meter.readCapacity += units;
        }
      }
      return result;
    };
  // 'initialize' sees the command's input before it is serialized; the flag passes the document marshaller untouched
  (client.middlewareStack.add as (middleware: unknown, options: unknown) => void)(middleware, {
    step: 'initialize',
    name: `benchMeter-${service}`,
  });
}

/** The document client's command names (Get, Put…) as DynamoDB's operation names. */
function dynamoOperation(name: string): string {
  const map: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactWrite: 'TransactWriteItems',
    TransactGet: 'TransactGetItems',
  };
  return map[name] ?? name;
}

async function startSimulatorProcess(rateLimit: string): Promise<{ url: string; stop: () => Promise<void>; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'scripts', 'chat-simulator.ts')], {
    env: { ...process.env, SIMULATOR_PORT: String(port), SIMULATOR_RATE_LIMIT: rateLimit },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
  });
  child.stdout?.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: () => stopChild(child),
  };
}

/** Creates `count` robots subscribed to `reportId`, all using one template; returns their ids. */
export async function createRobots(
  pipeline: Pipeline,
  count: number,
  reportId: string,
  templateBody: Record<string, unknown> = {
    msgType: 'markdown',
    title: 'Report {{reportName}}',
    text: '## {{reportName}}\n\nRows: {{data.rows}}',
  },
): Promise<string[]> {
  const template = await pipeline.service.templates.createTemplate(instanceAdmin(), {
    name: `Bench ${reportId}`,
    ...templateBody,
  } as never);
  const ids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < count; i = next++) {
        const robot = await pipeline.service.robots.createRobot(instanceAdmin(), {
          name: `Bench ${reportId} ${String(i).padStart(5, '0')}`,
          webhookUrl: `${pipeline.simulatorUrl}/robot/send?access_token=bench${reportId}${i}`,
          templateId: template.id,
          reports: [reportId],
        } as never);
        ids[i] = robot.id;
      }
    }),
  );
  return ids;
}
