// Load: report events at a steady rate plus concurrent admin readers against `npm start`.
// Reports p50/p99 per endpoint, 5xx count, and whether every push arrived (none lost).
import { startLocalService } from '../test/support/localService';
import { cpuPerEvent, cpuSecondsByRole } from './processCpu';
import { machine, percentile, printTable, round, writeResult } from './support';
import { sleep } from '../lib/concurrency';

const ratePerSecond = Number(process.env.LOAD_RATE ?? 50);
const seconds = Number(process.env.LOAD_SECONDS ?? 60);
const readers = Number(process.env.LOAD_READERS ?? 20);
const robotCount = Number(process.env.LOAD_ROBOTS ?? 300);
/** An admin reader's pause between requests: a person paging through the console, not a tight loop. */
const readerPauseMs = Number(process.env.LOAD_READER_PAUSE_MS ?? 1000);
/** DynamoDB Local's data: `memory` (default) or a folder. On disk it fsyncs each write and serves about a third as many. */
const dataDir = process.env.LOAD_DATA_DIR ?? 'memory';
/**
 * Seconds of events at half the rate, with reads of every list endpoint, before the measured run and
 * delivered before it starts: a freshly started DynamoDB Local (a JVM) serves its first few thousand
 * requests at a third to half its later speed while its code is compiled, and a service in use is
 * past that. 0 measures from cold.
 */
const warmupSeconds = Number(process.env.LOAD_WARMUP_SECONDS ?? 20);
const warmupRate = Math.max(1, Math.round(ratePerSecond / 2));
const warmupEvents = warmupRate * warmupSeconds;
/** What the admin readers page through, in turn. */
const readerPaths: [string, string][] = [
  ['GET /push-records?keyword', '/push-records?keyword=load robot 1&limit=20'],
  ['GET /push-records', '/push-records?limit=20'],
  ['GET /robots', '/robots?limit=20'],
  ['GET /templates', '/templates?limit=20'],
];
/** Concurrent worker batches (`npm start`'s WORKER_CONCURRENCY), as Lambda's maximumConcurrency bounds them in AWS. */
const workerBatches = process.env.LOAD_WORKERS ?? '2';

export async function loadBenchmark(): Promise<void> {
  const service = await startLocalService({ LOG_LEVEL: 'warn', WORKER_CONCURRENCY: workerBatches, DATA_DIR: dataDir });
  const latencies = new Map<string, number[]>();
  /** Every measured request as [seconds since the measured run began, latency ms], for the timeline. */
  const timeline: [number, number][] = [];
  let measuredFrom: number | undefined;
  const serverErrors = new Map<string, number>();
  const count = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1);
  const call = async (name: string, method: string, path: string, body?: unknown, token = service.adminToken) => {
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(`${service.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        // API Gateway's integration timeout: a request not answered by then is a 503 to the caller
        signal: AbortSignal.timeout(29_000),
      });
    } catch (error) {
      // the local server refused or timed out the connection: counted like a 5xx
      count(serverErrors, name);
      throw error;
    }
    const text = await response.text();
    (latencies.get(name) ?? latencies.set(name, []).get(name)!).push(performance.now() - started);
    if (measuredFrom !== undefined) timeline.push([(started - measuredFrom) / 1000, performance.now() - started]);
    if (response.status >= 500) count(serverErrors, name);
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  /** Waits until the simulator holds `count` distinct messages or `timeoutMs` passes; returns how many it holds. */
  const untilDelivered = async (count: number, timeoutMs: number): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const delivered = ((await (await fetch(`${service.simulatorUrl}/_sim/stats`)).json()) as { distinctMessages: number })
        .distinctMessages;
      if (delivered >= count || Date.now() > deadline) return delivered;
      await sleep(1000);
    }
  };
  try {
    const template = await call('setup', 'POST', '/templates', { name: 'Load', msgType: 'text', text: 'Load {{data.n}}' });
    const robotIds: string[] = [];
    for (let i = 0; i < robotCount; i++) {
      const robot = await call('setup', 'POST', '/robots', {
        name: `Load robot ${i}`,
        webhookUrl: `${service.simulatorUrl}/robot/send?access_token=loadtoken${String(i).padStart(6, '0')}`,
        templateId: template.body.id,
        reports: ['load-none'],
      });
      robotIds.push(robot.body.id);
    }
    latencies.delete('setup');

    if (warmupEvents > 0) {
      const warmupStarted = Date.now();
      const warmups: Promise<unknown>[] = [];
      for (let n = 0; n < warmupEvents; n++) {
        const due = warmupStarted + (n * 1000) / warmupRate;
        if (due > Date.now()) await sleep(due - Date.now());
        warmups.push(
          call(
            'warmup',
            'POST',
            '/events/report-ready',
            // its own words: DingTalk bodies carry no id, so a warmup push worded like a measured one to the same robot
            // would be the same message to the simulator's count of distinct messages
            {
              eventId: `warmup-${n}`,
              reportId: 'load',
              reportName: 'Load',
              robotIds: [robotIds[n % robotCount]],
              data: { n: `warmup ${n}` },
            },
            service.publisherToken,
          ).catch(() => undefined),
        );
        if (n % 10 === 0) warmups.push(call('warmup', 'GET', readerPaths[(n / 10) % readerPaths.length][1]).catch(() => undefined));
      }
      await Promise.all(warmups);
      await untilDelivered(warmupEvents, 300_000);
      latencies.delete('warmup');
      serverErrors.delete('warmup');
    }

    measuredFrom = performance.now();
    const cpuBefore = cpuSecondsByRole(service.pid);
    const clientCpuBefore = process.cpuUsage();
    let running = true;
    const readerLoops = Array.from({ length: readers }, async (_, index) => {
      for (let n = index; running; n++) {
        const [name, path] = readerPaths[n % readerPaths.length];
        await call(name, 'GET', path).catch(() => undefined);
        await sleep(readerPauseMs);
      }
    });

    const sends: Promise<unknown>[] = [];
    const started = Date.now();
    const total = ratePerSecond * seconds;
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      // a BI platform retries a failed publish (and a 409 "still being queued") with the same eventId
      const publish = async (): Promise<void> => {
        for (let attempt = 0; attempt < 90; attempt++) {
          const response = await call(
            'POST /events/report-ready',
            'POST',
            '/events/report-ready',
            { eventId: `load-${n}`, reportId: 'load', reportName: 'Load', robotIds: [robotIds[n % robotCount]], data: { n } },
            service.publisherToken,
          ).catch(() => undefined);
          if (response && response.status === 202) return;
          await sleep(1000);
        }
      };
      sends.push(publish());
    }
    await Promise.all(sends);
    const publishSeconds = (Date.now() - started) / 1000;
    running = false;
    await Promise.all(readerLoops);

    // every push arrives: the simulator holds what it received (the warm-up's too)
    const delivered = (await untilDelivered(warmupEvents + total, 600_000)) - warmupEvents;
    const drainedSeconds = (Date.now() - started) / 1000;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const cpu = cpuPerEvent(cpuBefore, cpuSecondsByRole(service.pid), total, machine().cpus, (clientCpu.user + clientCpu.system) / 1e6);
    const rows = [...latencies].map(([endpoint, samples]) => ({
      endpoint,
      requests: samples.length,
      'p50 ms': round(percentile(samples, 50)),
      'p99 ms': round(percentile(samples, 99)),
      '5xx': serverErrors.get(endpoint) ?? 0,
    }));
    // when the slow requests started: a backlog that builds shows as a rising p50, a stall as one bucket's max
    const buckets = new Map<number, number[]>();
    for (const [at, ms] of timeline) {
      const from = Math.floor(at / 5) * 5;
      (buckets.get(from) ?? buckets.set(from, []).get(from)!).push(ms);
    }
    const overTime = [...buckets]
      .sort(([a], [b]) => a - b)
      .map(([from, samples]) => ({
        'started at s': from,
        requests: samples.length,
        'p50 ms': round(percentile(samples, 50)),
        'max ms': round(Math.max(...samples)),
      }));
    printTable(`Latency of every measured request by when it was sent (5 s buckets)`, overTime);
    printTable(`CPU used from the first event until the last push arrived (readers included), per event`, cpu.table);
    console.log(
      `at ${round(cpu.msPerEvent)} ms of CPU per event, ${machine().cpus} cores carry at most ${cpu.eventsPerSecondAtFullMachine} events/s\n`,
    );
    printTable(
      `Load: ${ratePerSecond} events/s for ${seconds} s (took ${round(publishSeconds)} s) + ${readers} readers (${readerPauseMs} ms between requests), npm start`,
      rows,
    );
    console.log(`all pushes delivered ${round(drainedSeconds)} s after the first event`);
    console.log(`\npushes delivered: ${delivered} of ${total}${delivered === total ? ' (none lost)' : ' (MISSING)'}`);
    console.log(
      `wrote ${writeResult('load', { machine: machine(), inputs: { ratePerSecond, seconds, readers, readerPauseMs, robotCount, workerBatches: Number(workerBatches), dataDir, warmupSeconds }, publishSeconds, drainedSeconds, delivered, expected: total, rows, overTime, cpu })}`,
    );
    if (delivered !== total || [...serverErrors.values()].some((count) => count > 0)) {
      process.exitCode = 1;
      const problems = service
        .output()
        .split('\n')
        .filter((line) => /error|timed? ?out|exceeded/i.test(line));
      console.log(`service errors (last 15 of ${problems.length}):\n${problems.slice(-15).join('\n')}`);
    }
  } finally {
    await service.stop();
  }
}
