// `npm run bench start-memory`: what `npm start` holds resident once it answers /health and has settled,
// per process, against an idle Node process started in the same run (a machine's Node costs what it costs;
// the ratio says how many of them the stack is worth).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sleep } from '../lib/concurrency';
import { freePort } from '../scripts/local-stack';
import { processTree, roleOf } from './processCpu';
import { printTable, round, writeResult } from './support';

function residentMegabytes(pid: number): number {
  try {
    const kilobytes = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kilobytes ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function idleNodeMegabytes(): Promise<number> {
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  await sleep(2000);
  const megabytes = residentMegabytes(idle.pid as number);
  idle.kill();
  return megabytes;
}

export async function startMemoryBenchmark(): Promise<void> {
  const port = await freePort();
  const stack = spawn('npm', ['start'], {
    env: { ...process.env, DATA_DIR: 'memory', PORT: String(port), LAMBDA_PORT: String(await freePort()), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    detached: true,
  });
  try {
    const started = Date.now();
    while (
      !(await fetch(`http://127.0.0.1:${port}/health`).then(
        (response) => response.ok,
        () => false,
      ))
    ) {
      if (Date.now() - started > 90_000) throw new Error('npm start did not answer /health within 90 s');
      await sleep(200);
    }
    const healthAfterMs = Date.now() - started;
    await sleep(10_000);
    const byRole = new Map<string, { processes: number; megabytes: number }>();
    for (const pid of processTree(stack.pid as number)) {
      let commandLine: string;
      try {
        commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        continue;
      }
      const role = roleOf(commandLine);
      const entry = byRole.get(role) ?? { processes: 0, megabytes: 0 };
      byRole.set(role, { processes: entry.processes + 1, megabytes: entry.megabytes + residentMegabytes(pid) });
    }
    const idleNode = await idleNodeMegabytes();
    const total = [...byRole.values()].reduce((sum, entry) => sum + entry.megabytes, 0);
    const processes = [...byRole.values()].reduce((sum, entry) => sum + entry.processes, 0);
    const rows = [...byRole]
      .sort(([, a], [, b]) => b.megabytes - a.megabytes)
      .map(([role, entry]) => ({ role, processes: entry.processes, 'resident MB': round(entry.megabytes) }));
    printTable(`npm start, settled (${processes} processes; /health answered after ${round(healthAfterMs / 1000)} s)`, [
      ...rows,
      { role: 'total', processes, 'resident MB': round(total) },
      { role: 'an idle Node process (baseline)', processes: 1, 'resident MB': round(idleNode) },
      { role: 'total ÷ idle Node', processes: '', 'resident MB': round(total / idleNode) },
    ]);
    writeResult('start-memory', {
      healthAfterMs,
      processes,
      totalMegabytes: round(total),
      idleNodeMegabytes: round(idleNode),
      ratio: round(total / idleNode, 2),
      rows,
    });
  } finally {
    process.kill(-(stack.pid as number), 'SIGINT');
    await sleep(5000);
  }
}
