// `npm start`: the whole service on one machine. DynamoDB Local (data kept in DATA_DIR), fauxqs, the
// DingTalk simulator, serverless-offline with the HTTP functions, and the worker (with the sweeper) in its
// own process fed by a queue poller (scripts/local-worker-main.ts). Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startDingTalkSimulator, type DingTalkSimulator } from './dingtalk-simulator';
import { ensureLocalResources } from './local-resources';
import { exitWithin, freePort, isPortFree, startDynamoDbLocal, startSqsEmulator, stopChild, type RunningService } from './local-stack';
import { requeueUnfinished } from './requeue-unfinished';

const root = join(__dirname, '..');
const stage = 'dev';
const names = { tableName: `dingpush-${stage}`, pushQueueName: `dingpush-${stage}-push-jobs.fifo`, pushDeadLetterQueueName: `dingpush-${stage}-push-jobs-dlq.fifo` };
const defaultAdminToken = 'local-admin-token';
const defaultPublisherToken = 'local-publisher-token';

const say = (line: string) => console.log(`[dingpush] ${line}`);

// Lambda runs Node 22; locally Node 20 is fine for the SDK versions pinned in package-lock.json.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const stoppers: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const port = Number(process.env.PORT ?? 3000);
    if (!(await isPortFree(port))) throw new Error(`Port ${port} is in use; set PORT to another port`);

    let dynamodbEndpoint = process.env.DYNAMODB_ENDPOINT;
    if (!dynamodbEndpoint) {
      // DATA_DIR=memory: nothing kept across restarts, but no file writes (the load benchmark uses it)
      const dataDir = process.env.DATA_DIR === 'memory' ? undefined : (process.env.DATA_DIR ?? join(root, '.data', 'dynamodb'));
      const dynamodb: RunningService = await startDynamoDbLocal({ dataDir });
      stoppers.push(dynamodb.stop);
      dynamodbEndpoint = dynamodb.endpoint;
      say(`DynamoDB Local on ${dynamodbEndpoint} (${dataDir ? `data in ${dataDir}` : 'in memory'})`);
    }
    let sqsEndpoint = process.env.SQS_ENDPOINT;
    if (!sqsEndpoint) {
      const sqs = await startSqsEmulator();
      stoppers.push(sqs.stop);
      sqsEndpoint = sqs.endpoint;
      say(`SQS emulator (fauxqs) on ${sqsEndpoint}`);
    }
    const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 4999);
    const simulator: DingTalkSimulator = await startDingTalkSimulator({
      port: (await isPortFree(simulatorPort)) ? simulatorPort : await freePort(),
      autoRegister: process.env.SIMULATOR_STRICT !== 'true',
      log: (line) => say(`simulator: ${line}`),
    });
    stoppers.push(() => simulator.close());

    const queues = await ensureLocalResources({ dynamodbEndpoint, sqsEndpoint, ...names });
    const allowedOrigins = [process.env.DINGTALK_ALLOWED_ORIGINS || 'https://oapi.dingtalk.com,https://oapi.dingtalk.io', simulator.url].join(',');
    const lambdaPort = await freePort();
    const serviceEnvironment = {
      ...process.env,
      PORT: String(port),
      LAMBDA_PORT: String(lambdaPort),
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      SQS_ENDPOINT: sqsEndpoint,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      ADMIN_TOKENS: process.env.ADMIN_TOKENS || defaultAdminToken,
      PUBLISHER_TOKENS: process.env.PUBLISHER_TOKENS || defaultPublisherToken,
      DINGTALK_ALLOWED_ORIGINS: allowedOrigins,
      TABLE_NAME: names.tableName,
      PUSH_QUEUE_NAME: names.pushQueueName,
      PUSH_DLQ_NAME: names.pushDeadLetterQueueName,
      // LOG_LEVEL=warn|error also quiets serverless-offline's lines per request (its logger says 'warning')
      ...(process.env.LOG_LEVEL === 'warn' && { LOG_LEVEL: 'warning' }),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    };
    const offline: ChildProcess = spawn(process.execPath, [...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []), join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), 'offline', 'start', '--stage', stage], {
      cwd: root,
      env: serviceEnvironment,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const forward = (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '[offline] '));
    offline.stdout?.on('data', forward);
    offline.stderr?.on('data', forward);
    offline.on('exit', (code) => {
      if (!stopping) {
        say(`serverless-offline exited (${code}); stopping`);
        void stop(1);
      }
    });
    stoppers.push(async () => {
      if (offline.exitCode !== null) return;
      try {
        process.kill(-(offline.pid as number), 'SIGTERM');
      } catch {
        offline.kill('SIGTERM');
      }
      await exitWithin(offline, 5000);
      if (offline.exitCode === null) offline.kill('SIGKILL');
    });

    const apiUrl = `http://localhost:${port}`;
    await waitForHealth(`http://127.0.0.1:${port}/health`, 120_000);

    // like a Lambda container, a worker process that dies is replaced; its messages come back after their visibility timeout
    const workerEnvironment = { ...serviceEnvironment, PUSH_QUEUE_URL: queues.pushQueueUrl };
    let worker: RunningService | undefined;
    const runWorker = async (): Promise<void> => {
      worker = await startLocalWorker(workerEnvironment, () => {
        if (stopping) return;
        say('the worker process exited; starting a new one');
        setTimeout(() => void runWorker().catch((error: Error) => say(`could not restart the worker: ${error.message}`)), 1000);
      });
    };
    await runWorker();
    stoppers.push(() => worker?.stop() ?? Promise.resolve());

    // fauxqs keeps messages in memory: jobs of records left queued by the last run go back on the queue
    const requeued = await requeueUnfinished(serviceEnvironment);
    if (requeued > 0) say(`requeued ${requeued} unfinished push job(s) from the last run`);
    say('');
    say(`API             ${apiUrl}`);
    say(`admin token     ${serviceEnvironment.ADMIN_TOKENS.split(',')[0]}`);
    say(`publisher token ${serviceEnvironment.PUBLISHER_TOKENS.split(',')[0]}`);
    say(`DingTalk simulator ${simulator.url}  (webhook: ${simulator.url}/robot/send?access_token=<any token>; received messages: ${simulator.url}/_sim/messages)`);
    say('ready. Ctrl-C stops everything.');
  } catch (error) {
    console.error(`[dingpush] could not start: ${(error as Error).message}`);
    await stop(1);
  }
}

/** The worker process; resolves once its poller runs. */
async function startLocalWorker(environment: NodeJS.ProcessEnv, onUnexpectedExit: () => void): Promise<RunningService> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'local-worker-main.ts')], { cwd: root, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
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
      return stopChild(child);
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
