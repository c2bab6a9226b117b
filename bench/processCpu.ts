// CPU time of each process `npm start` runs, read from /proc: on a shared 2-core machine the sum per
// event says how many events per second the whole local stack can carry, whatever the wall clock does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const clockTicksPerSecond = 100;

/** What each process of the local stack is, from its command line. */
export function roleOf(commandLine: string): string {
  if (commandLine.includes('DynamoDBLocal.jar')) return 'DynamoDB Local (JVM)';
  if (commandLine.includes('fauxqs') || commandLine.includes('queue-emulator')) return 'fauxqs (SQS)';
  if (commandLine.includes('serverless.js offline')) return 'serverless-offline (API functions)';
  if (commandLine.includes('local-worker-main')) return 'worker + sweeper';
  if (commandLine.includes('start-local')) return 'npm start (simulator, log relay)';
  if (commandLine.includes('esbuild')) return 'esbuild';
  if (commandLine.includes('orphan-reaper')) return 'orphan reaper';
  if (commandLine.startsWith('npm')) return 'npm';
  if (commandLine.startsWith('sh -c')) return "npm's shell";
  if (commandLine.includes('chat-simulator')) return 'chat simulator';
  if (commandLine.includes('bench/run')) return 'benchmark process (intake, worker, poller)';
  return 'other';
}

/** The process and all its descendants (serverless-offline runs in a session of its own, so not by group). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-eo', 'pid=,ppid=']).toString().split('\n')) {
    const [pid, parent] = line.trim().split(/\s+/).map(Number);
    if (pid) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]) ?? []));
  return tree;
}

/** CPU seconds used so far by each role, summed over `npm start` and every process under it. */
export function cpuSecondsByRole(rootPid: number): Map<string, number> {
  const pids = processTree(rootPid);
  const seconds = new Map<string, number>();
  for (const pid of pids) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      // fields after the command name: utime and stime are the 12th and 13th
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const used = (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
      const role = roleOf(commandLine);
      seconds.set(role, (seconds.get(role) ?? 0) + used);
    } catch {
      // the process ended between ps and the read
    }
  }
  return seconds;
}

/** The CPU each role used between two readings, per event, and the events per second the machine's cores could carry at that cost. */
export function cpuPerEvent(before: Map<string, number>, after: Map<string, number>, events: number, cores: number, clientSeconds: number) {
  const rows = [...after].map(([role, seconds]) => ({ process: role, 'cpu s': seconds - (before.get(role) ?? 0) }));
  rows.push({ process: 'load generator (this process)', 'cpu s': clientSeconds });
  const total = rows.reduce((sum, row) => sum + row['cpu s'], 0);
  const table = rows
    .sort((a, b) => b['cpu s'] - a['cpu s'])
    .map((row) => ({
      process: row.process,
      'cpu s': Math.round(row['cpu s'] * 10) / 10,
      'ms per event': Math.round((row['cpu s'] * 10_000) / events) / 10,
    }));
  table.push({ process: 'total', 'cpu s': Math.round(total * 10) / 10, 'ms per event': Math.round((total * 10_000) / events) / 10 });
  return { table, msPerEvent: (total * 1000) / events, eventsPerSecondAtFullMachine: Math.round((cores * events) / total) };
}
