// Puts the jobs of records still queued or sending back on the queue (the local SQS keeps messages in
// memory only). Duplicates are harmless: the worker's conditional writes send each record once.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Runs in a child process so the service modules read their configuration from `environment`. */
export function requeueUnfinished(environment: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'requeue-unfinished-main.ts')], { env: environment, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(Number(output.trim().split('\n').pop()) || 0) : reject(new Error(`requeue exited with ${code}`))));
  });
}
