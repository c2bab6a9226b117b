// Starts `npm start` as a user would, on free ports with its own data folder, and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, freePort, isStartLocal } from '../../scripts/local-stack';
import { assertDocumentedResponse, documentedRoute } from './contract';
import { baseTestEnvironment } from './environment';

export interface LocalService {
  apiUrl: string;
  simulatorUrl: string;
  adminToken: string;
  publisherToken: string;
  output: () => string;
  /** The pid of `npm start`, under which everything it started runs (benchmarks read their CPU time). */
  pid: number;
  /** Ctrl-C (SIGINT to npm start's process group, or `signal`); resolves with how long it took to exit. */
  stop: (signal?: NodeJS.Signals) => Promise<number>;
  /** Where this stack keeps its data (DATA_DIR). */
  dataDir: string;
  /** The pid of scripts/start-local.ts (from its DATA_DIR lock): every process of the stack runs below it. */
  stackPid?: number;
  /** SIGKILL to npm start's whole process group at once, as a crash or an OOM kill would. */
  crash: () => Promise<void>;
  /** One JSON request to the API (admin token unless another is given): its status, parsed body and text. */
  call: (method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; body: any; text: string }>;
}

/** `options.dataDir`: a folder of the caller's, kept after stop (a restart on it sees the same data). */
const integrationOnly = [
  'SECRETS_KEY_FILE',
  'DYNAMODB_ENDPOINT',
  'SQS_ENDPOINT',
  'S3_ENDPOINT',
  'IMAGES_BUCKET',
  'PUBLIC_BASE_URL',
  'SIMULATOR_URL',
  'TABLE_NAME',
  'PUSH_QUEUE_NAME',
  'PUSH_DLQ_NAME',
  'PUSH_QUEUE_URL',
  'PUSH_DLQ_URL',
  'DINGTALK_ALLOWED_ORIGINS',
  'WECOM_ALLOWED_ORIGINS',
  'FEISHU_ALLOWED_ORIGINS',
  'DINGTALK_API_ORIGIN',
  'DINGTALK_OAPI_ORIGIN',
];

export async function startLocalService(
  environment: Record<string, string> = {},
  options: { dataDir?: string } = {},
): Promise<LocalService> {
  const [port, simulatorPort] = [await freePort(), await freePort()];
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dingpush-e2e-'));
  const adminToken = 'e2e-admin-token-abcdef';
  const publisherToken = 'e2e-publisher-token-abcdef';
  // as a user's shell would have it: without the integration tests' shared emulators and settings, which
  // jest's globalSetup put into this process's environment
  const inherited = { ...process.env };
  for (const name of [...Object.keys(baseTestEnvironment), ...integrationOnly]) delete inherited[name];
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: join(__dirname, '..', '..'),
    env: {
      ...inherited,
      PORT: String(port),
      SIMULATOR_PORT: String(simulatorPort),
      DATA_DIR: dataDir,
      ADMIN_TOKENS: adminToken,
      PUBLISHER_TOKENS: publisherToken,
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // the group has already exited
    }
  };
  // npm exits at once on a signal; the stack is stopped by scripts/start-local.ts, whose pid its lock holds
  let stackPid: number | undefined;
  const stackRunning = () => (stackPid === undefined ? child.exitCode === null && child.signalCode === null : isStartLocal(stackPid));
  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    const started = Date.now();
    if (stackRunning()) {
      signalGroup(signal);
      while (stackRunning() && Date.now() - started < 15_000) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const tookMs = Date.now() - started;
    // whatever of the tree is still there (npm may exit before its children)
    signalGroup('SIGKILL');
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    return tookMs;
  };
  const crash = async () => {
    signalGroup('SIGKILL');
    await exitWithin(child, 5000);
  };
  const deadline = Date.now() + 180_000;
  while (!output.includes('ready. Ctrl-C stops everything.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not become ready:\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const lock = join(dataDir, 'npm-start.pid');
  if (existsSync(lock)) stackPid = Number(readFileSync(lock, 'utf8'));
  const simulatorUrl = /chat simulator (http:\/\/\S+)/.exec(output)?.[1] as string;
  const apiUrl = `http://localhost:${port}`;
  const call: LocalService['call'] = async (method, path, body, token = adminToken) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const answer = text ? JSON.parse(text) : undefined;
    const route = documentedRoute(method, path.split('?')[0]);
    if (route) assertDocumentedResponse(method, route, response.status, response.headers.get('content-type') ?? undefined, answer);
    return { status: response.status, body: answer, text };
  };
  return {
    apiUrl,
    simulatorUrl,
    adminToken,
    publisherToken,
    output: () => output,
    pid: child.pid as number,
    dataDir,
    stackPid,
    stop,
    crash,
    call,
  };
}
