// `npm start`: the whole service on one machine. DynamoDB Local and fauxqs (both kept in DATA_DIR), the
// chat simulator, serverless-offline with the HTTP functions, and the worker (with the sweeper) in its
// own process fed by a queue poller (scripts/local-worker-main.ts). Each child runs in a process group of
// its own, so Ctrl-C reaches only this process, which stops them in order: HTTP first, then the worker
// (its in-flight pushes finish), then the simulator and the emulators. A reaper stops whatever is left if
// this process dies without stopping them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startChatSimulator, type ChatSimulator } from './chat-simulator';
import { ensureLocalResources } from './local-resources';
import { hasOldLayout } from './migrate-data-dir';
import { describeReport, migrateTable } from './migrate-table';
import {
  ensureSecretsKeyFile,
  exitWithin,
  freePort,
  isPortFree,
  isStartLocal,
  startDynamoDbLocal,
  startSqsEmulator,
  stopChild,
  type RunningService,
} from './local-stack';

// run from .local-build/ (scripts/build-local.mjs), one folder below the project like scripts/
const root = join(__dirname, '..');
const stage = 'dev';
const names = {
  tableName: `dingpush-${stage}`,
  pushQueueName: `dingpush-${stage}-push-jobs.fifo`,
  pushDeadLetterQueueName: `dingpush-${stage}-push-jobs-dlq.fifo`,
  imagesBucket: `dingpush-${stage}-images`,
};
const defaultAdminToken = 'local-admin-token';
const defaultPublisherToken = 'local-publisher-token';
/**
 * Longer than a worker invocation may run here (30 s, then its process is replaced), so a message is never
 * handed to a second worker while the first still holds it; short enough that a crash's in-flight pushes
 * come back within a minute. (AWS uses six times the Lambda timeout.)
 */
const localVisibilityTimeoutSeconds = 45;
/** A worker's in-flight batch may wait up to 3 s for a slot and 5 s for DingTalk. */
const workerStopMs = 10_000;

const say = (line: string) => console.log(`[dingpush] ${line}`);

/** Where local state lives: DATA_DIR (default .data), or nothing kept with DATA_DIR=memory. */
function dataDirectories(): { dynamodb?: string; queue?: string; lock?: string; secretsKey?: string } {
  if (process.env.DATA_DIR === 'memory') return {};
  const dataDir = resolve(process.env.DATA_DIR ?? join(root, '.data'));
  if (hasOldLayout(dataDir))
    throw new Error(
      `${dataDir} is in the layout of dingpush 0.1: run \`npm run migrate:data-dir\` once (with the same DATA_DIR), then npm start`,
    );
  return {
    dynamodb: join(dataDir, 'dynamodb'),
    queue: join(dataDir, 'queue'),
    lock: join(dataDir, 'npm-start.pid'),
    secretsKey: join(dataDir, 'secrets.key'),
  };
}

/** One stack per DATA_DIR: two would write the same emulator files. A lock left by a crashed stack is taken over. */
function lockDataDir(lock: string): () => void {
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (pid > 0 && pid !== process.pid && isStartLocal(pid))
      throw new Error(`Another npm start (pid ${pid}) uses ${resolve(lock, '..')}; stop it, or give this one its own DATA_DIR (and PORT)`);
  }
  mkdirSync(resolve(lock, '..'), { recursive: true });
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

/** The reaper (scripts/orphan-reaper.sh): told of every child, it stops them if this process dies first. */
function startReaper(): { watch: (child: ChildProcess) => void } {
  const reaper = spawn('/bin/sh', [join(root, 'scripts', 'orphan-reaper.sh')], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  reaper.unref();
  return {
    watch: (child) => {
      reaper.stdin?.write(`${child.pid}\n`);
      child.once('exit', () => reaper.stdin?.write(`-${child.pid}\n`));
    },
  };
}

async function main(): Promise<void> {
  const stoppers: { name: string; stop: () => Promise<void> }[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    // in the order they must stop: nothing new comes in before the worker finishes, the stores stop last
    for (const name of ['api', 'worker', 'simulator', 'queue', 'database', 'lock']) {
      for (const stopper of stoppers.filter((entry) => entry.name === name)) await stopper.stop().catch(() => undefined);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const port = Number(process.env.PORT ?? 3000);
    if (!(await isPortFree(port))) throw new Error(`Port ${port} is in use; set PORT to another port`);
    const directories = dataDirectories();
    if (directories.lock) {
      const unlock = lockDataDir(directories.lock);
      stoppers.push({ name: 'lock', stop: async () => unlock() });
    }
    const reaper = startReaper();

    let dynamodbEndpoint = process.env.DYNAMODB_ENDPOINT;
    if (!dynamodbEndpoint) {
      const dynamodb = await startDynamoDbLocal({ dataDir: directories.dynamodb, detached: true });
      reaper.watch(dynamodb.process);
      stoppers.push({ name: 'database', stop: dynamodb.stop });
      dynamodbEndpoint = dynamodb.endpoint;
      say(`DynamoDB Local on ${dynamodbEndpoint} (${directories.dynamodb ? `data in ${directories.dynamodb}` : 'in memory'})`);
    }
    let sqsEndpoint = process.env.SQS_ENDPOINT;
    if (!sqsEndpoint) {
      const sqs = await startSqsEmulator({ dataDir: directories.queue, detached: true });
      reaper.watch(sqs.process);
      stoppers.push({ name: 'queue', stop: sqs.stop });
      sqsEndpoint = sqs.endpoint;
      say(`SQS emulator (fauxqs) on ${sqsEndpoint} (${directories.queue ? `messages in ${directories.queue}` : 'in memory'})`);
    }
    const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 4999);
    const simulator: ChatSimulator = await startChatSimulator({
      port: (await isPortFree(simulatorPort)) ? simulatorPort : await freePort(),
      autoRegister: process.env.SIMULATOR_STRICT !== 'true',
      log: (line) => say(`simulator: ${line}`),
    });
    stoppers.push({ name: 'simulator', stop: () => simulator.close() });

    const queues = await ensureLocalResources({
      dynamodbEndpoint,
      sqsEndpoint,
      s3Endpoint: process.env.S3_ENDPOINT || undefined,
      ...names,
      queueOverrides: { VisibilityTimeout: localVisibilityTimeoutSeconds },
    });
    // a DATA_DIR written by an earlier version is brought to today's shapes before anything reads it
    const migrated = await migrateTable({ tableName: names.tableName, region: 'us-east-1', endpoint: dynamodbEndpoint });
    if (migrated.ran.some(({ changed }) => changed > 0)) say(`migrated the table: ${describeReport(migrated)}`);
    // each channel's own origins, and the simulator, which answers for all three
    const withSimulator = (name: string, origins: string) => [process.env[name] || origins, simulator.url].join(',');
    // serverless-offline always serves Lambda's invoke API, which would run any function (the worker
    // included) for any local caller: it gets a UNIX socket in a folder only this user can open, not a port
    const lambdaSocketDir = mkdtempSync(join(tmpdir(), 'dingpush-lambda-'));
    stoppers.push({ name: 'lock', stop: async () => rmSync(lambdaSocketDir, { recursive: true, force: true }) });
    // serverless-offline hands AUTHORIZER to every function as its authorizer's context: never inherited
    const { AUTHORIZER: _authorizerOverride, ...inherited } = process.env;
    const frameworkLogLevel = new Map([
      ['warn', 'warning'],
      ['error', 'error'],
    ]).get(process.env.LOG_LEVEL ?? '');
    const serviceEnvironment = {
      ...inherited,
      PORT: String(port),
      LAMBDA_PORT: join(lambdaSocketDir, 'invoke.sock'),
      // with DATA_DIR=memory the key lives as long as the stack, like the data it seals
      SECRETS_KEY_FILE: ensureSecretsKeyFile(directories.secretsKey ?? join(lambdaSocketDir, 'secrets.key')),
      // each stack builds into a folder of its own: a second stack must not clean the first one's bundles
      ESBUILD_WORK_FOLDER: `.esbuild/stack-${port}`,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      SQS_ENDPOINT: sqsEndpoint,
      S3_ENDPOINT: process.env.S3_ENDPOINT || sqsEndpoint,
      IMAGES_BUCKET: names.imagesBucket,
      // the origin the pushed image URLs name: this API, unless DingTalk's clients reach it elsewhere
      PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL || `http://127.0.0.1:${port}`,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      ADMIN_TOKENS: process.env.ADMIN_TOKENS || defaultAdminToken,
      PUBLISHER_TOKENS: process.env.PUBLISHER_TOKENS || defaultPublisherToken,
      // a revoked token is refused at once on one machine: every request reads its token's item
      AUTH_CACHE_SECONDS: process.env.AUTH_CACHE_SECONDS || '0',
      DINGTALK_ALLOWED_ORIGINS: withSimulator('DINGTALK_ALLOWED_ORIGINS', 'https://oapi.dingtalk.com,https://oapi.dingtalk.io'),
      // DingTalk's app robot API: the bundled simulator speaks it; set these to DingTalk's to reach a real app
      DINGTALK_API_ORIGIN: process.env.DINGTALK_API_ORIGIN || simulator.url,
      DINGTALK_OAPI_ORIGIN: process.env.DINGTALK_OAPI_ORIGIN || simulator.url,
      WECOM_ALLOWED_ORIGINS: withSimulator('WECOM_ALLOWED_ORIGINS', 'https://qyapi.weixin.qq.com'),
      FEISHU_ALLOWED_ORIGINS: withSimulator('FEISHU_ALLOWED_ORIGINS', 'https://open.feishu.cn,https://open.larksuite.com'),
      TABLE_NAME: names.tableName,
      PUSH_QUEUE_NAME: names.pushQueueName,
      PUSH_DLQ_NAME: names.pushDeadLetterQueueName,
      // LOG_LEVEL=warn|error also quiets serverless-offline's lines per request: the framework's logger reads
      // SLS_LOG_LEVEL, and calls warn 'warning' (writing those lines was a tenth of its process's CPU under load)
      ...(frameworkLogLevel && !process.env.SLS_LOG_LEVEL && { SLS_LOG_LEVEL: frameworkLogLevel }),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    };
    // serverless.yml takes settings only as params (a deploy must not read the deployer's shell): this stack's
    // values go in as params of the same names. Secrets are not among them: the functions run in this
    // process tree and read those from the environment.
    const settings: Record<string, string | undefined> = serviceEnvironment;
    const params = deployParamNames().flatMap((name) => (settings[name] ? [`--param=${name}=${settings[name]}`] : []));
    const offline: ChildProcess = spawn(
      process.execPath,
      [
        ...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []),
        join(root, 'node_modules', 'serverless', 'bin', 'serverless.js'),
        'offline',
        'start',
        '--stage',
        stage,
        ...params,
      ],
      {
        cwd: root,
        env: serviceEnvironment,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    reaper.watch(offline);
    const forward = (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '[offline] '));
    offline.stdout?.on('data', forward);
    offline.stderr?.on('data', forward);
    offline.on('exit', (code) => {
      if (!stopping) {
        say(`serverless-offline exited (${code}); stopping`);
        void stop(1);
      }
    });
    stoppers.push({
      name: 'api',
      stop: async () => {
        if (offline.exitCode !== null) return;
        try {
          process.kill(-(offline.pid as number), 'SIGTERM');
        } catch {
          offline.kill('SIGTERM');
        }
        await exitWithin(offline, 5000);
        if (offline.exitCode === null) offline.kill('SIGKILL');
      },
    });

    const apiUrl = `http://localhost:${port}`;
    await waitForHealth(`http://127.0.0.1:${port}/health`, 120_000);

    // like a Lambda container, a worker process that dies is replaced; its messages come back after their visibility timeout
    const workerEnvironment = { ...serviceEnvironment, PUSH_QUEUE_URL: queues.pushQueueUrl };
    let worker: RunningService | undefined;
    const runWorker = async (): Promise<void> => {
      worker = await startLocalWorker(workerEnvironment, reaper.watch, () => {
        if (stopping) return;
        say('the worker process exited; starting a new one');
        setTimeout(() => void runWorker().catch((error: Error) => say(`could not restart the worker: ${error.message}`)), 1000);
      });
    };
    await runWorker();
    stoppers.push({ name: 'worker', stop: () => worker?.stop() ?? Promise.resolve() });

    say('');
    say(`API             ${apiUrl}`);
    say(`admin token     ${serviceEnvironment.ADMIN_TOKENS.split(',')[0]}`);
    say(`publisher token ${serviceEnvironment.PUBLISHER_TOKENS.split(',')[0]}`);
    say(
      `chat simulator ${simulator.url}  (DingTalk: ${simulator.url}/robot/send?access_token=<any token>; WeCom: /cgi-bin/webhook/send?key=<any>; Feishu: /open-apis/bot/v2/hook/<any>; received: ${simulator.url}/_sim/messages)`,
    );
    say('ready. Ctrl-C stops everything.');
  } catch (error) {
    console.error(`[dingpush] could not start: ${(error as Error).message}`);
    await stop(1);
  }
}

/** The worker process; resolves once its poller runs. */
async function startLocalWorker(
  environment: NodeJS.ProcessEnv,
  watch: (child: ChildProcess) => void,
  onUnexpectedExit: () => void,
): Promise<RunningService> {
  // built beside this file by scripts/build-local.mjs
  const child = spawn(process.execPath, [join(__dirname, 'local-worker-main.js')], {
    cwd: root,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  watch(child);
  let stopping = false;
  child.on('exit', () => {
    if (!stopping) onUnexpectedExit();
  });
  const forward = (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '[worker] '));
  child.stderr?.on('data', forward);
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      forward(chunk);
      if (!ready && chunk.toString().includes('worker ready')) {
        ready = true;
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the worker process exited during start-up (${code})`)));
  });
  return {
    endpoint: 'in-process',
    stop: () => {
      stopping = true;
      return stopChild(child, workerStopMs);
    },
  };
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not answer ${url} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

void main();

/** The settings serverless.yml takes as `${param:NAME, ...}` (upper-case names; the alarm's are deploy-only). */
function deployParamNames(): string[] {
  return [
    ...new Set([...readFileSync(join(root, 'serverless.yml'), 'utf8').matchAll(/\$\{param:([A-Z][A-Z0-9_]*)/g)].map((match) => match[1])),
  ];
}
