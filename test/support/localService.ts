// Starts `npm start` as a user would, on free ports with its own data folder, and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, freePort } from '../../scripts/local-stack';

export interface LocalService {
  apiUrl: string;
  simulatorUrl: string;
  adminToken: string;
  publisherToken: string;
  output: () => string;
  /** The pid of `npm start`, under which everything it started runs (benchmarks read their CPU time). */
  pid: number;
  stop: () => Promise<void>;
}

export async function startLocalService(environment: Record<string, string> = {}): Promise<LocalService> {
  const [port, simulatorPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'dingpush-e2e-'));
  const adminToken = 'e2e-admin-token-abcdef';
  const publisherToken = 'e2e-publisher-token-abcdef';
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, PORT: String(port), SIMULATOR_PORT: String(simulatorPort), DATA_DIR: dataDir, ADMIN_TOKENS: adminToken, PUBLISHER_TOKENS: publisherToken, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const stop = async () => {
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // the group has already exited
      }
    };
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup('SIGINT');
      await exitWithin(child, 15_000);
    }
    // whatever of the tree is still there (npm may exit before its children)
    signalGroup('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  while (!output.includes('ready. Ctrl-C stops everything.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not become ready:\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const simulatorUrl = /DingTalk simulator (http:\/\/\S+)/.exec(output)?.[1] as string;
  return { apiUrl: `http://localhost:${port}`, simulatorUrl, adminToken, publisherToken, output: () => output, pid: child.pid as number, stop };
}
