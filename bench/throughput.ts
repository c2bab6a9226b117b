// Benchmark 1: delivery throughput and latency. N report events fanned out to M robots through the real
// local pieces (fauxqs, DynamoDB Local, the worker code, the simulator with its rate limit off), against
// the ceiling: a tight loop POSTing the same rendered bodies straight to the same simulator, through the
// same DingTalk client, at the same concurrency. Then a paced run at 100 deliveries per second for the latency from event published to record `sent`. Also
// samples this process's peak memory (the worker code, the intake and the poller together: an upper
// bound for the worker alone).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild } from '../scripts/local-stack';
import { cpuSecondsByRole } from './processCpu';
import { machine, percentile, printTable, round, writeResult } from './support';
import { createRobots, startPipeline, type Pipeline } from './pipeline';

const events = Number(process.env.BENCH_EVENTS ?? 10);
const robots = Number(process.env.BENCH_ROBOTS ?? 200);
// 8 concurrent batches: within the worker's maximumConcurrency (20) in serverless.yml
const pollers = Number(process.env.BENCH_POLLERS ?? 8);
/** Each poller's batch runs 10 jobs at once (processPushJobs), so the raw loop gets the same number of senders. */
const concurrency = pollers * 10;
const pacedSeconds = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const pacedPerSecond = 100;
/**
 * Events delivered before the measured run, untimed: a freshly started DynamoDB Local (a JVM) serves its
 * first few thousand requests at a third to half the speed it has once its code is compiled, and a
 * service in use is past that. The raw loop touches no database, so a cold start would weigh on one side only.
 */
const warmupEvents = Number(process.env.BENCH_WARMUP_EVENTS ?? 15);

function memorySampler() {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return { stop: () => (clearInterval(timer), peak) };
}

/** Milliseconds between publishing each event (the intake's call, not its answer: the first records can be sent before it answers) and its records being `sent`. */
async function latencies(pipeline: Pipeline, accepted: Map<string, number>): Promise<number[]> {
  const samples: number[] = [];
  for (const [eventId, at] of accepted) {
    const page = await pipeline.service.records.recordsStore.list({ eventId }, { limit: 1000 });
    for (const record of page.items) {
      if (record.status !== 'sent' || !record.sentAt) throw new Error(`record ${record.id} is ${record.status}`);
      samples.push(Date.parse(record.sentAt) - at);
    }
  }
  return samples;
}

/**
 * The worker alone: `npm start`'s worker process (the poller and the worker handler, loaded through
 * tsx, so an upper bound for the bundled Lambda) delivers paced events to `robots` robots; its peak
 * resident memory is the kernel's high-water mark (VmHWM).
 */
async function workerProcessPeak(pipeline: Pipeline, robots: number): Promise<{ deliveries: number; peakMB: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'scripts', 'local-worker-main.ts')], {
    env: { ...process.env, PUSH_QUEUE_URL: pipeline.queueUrl, WORKER_CONCURRENCY: String(pollers) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve());
      child.once('exit', (code) => reject(new Error(`the worker process exited (${code})`)));
    });
    const before = (await pipeline.simulatorStats()).distinctMessages;
    const events = 10;
    for (let n = 0; n < events; n++) {
      await pipeline.service.intake.publishReportReady({ eventId: `worker-process-${n}`, reportId: 'paced', reportName: 'Worker process', data: { rows: n } } as never);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await pipeline.untilDelivered(before + events * robots, 300_000);
    const highWaterMark = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return { deliveries: events * robots, peakMB: round(Number(highWaterMark) / 1024) };
  } finally {
    await stopChild(child);
  }
}

/** CPU seconds each process of the run used since `before` (this process, DynamoDB Local, fauxqs, the simulator). */
function cpuSpent(before: Map<string, number>): Map<string, number> {
  const after = cpuSecondsByRole(process.pid);
  return new Map([...after].filter(([role]) => role !== 'other').map(([role, seconds]) => [role, seconds - (before.get(role) ?? 0)]));
}

const sum = (seconds: Map<string, number>) => [...seconds.values()].reduce((total, value) => total + value, 0);

export async function throughputBenchmark(): Promise<void> {
  const pipeline = await startPipeline({ environment: { DINGTALK_RATE_LIMIT: '1000000/60' } });
  try {
    await createRobots(pipeline, robots, 'throughput');
    const total = events * robots;
    const memory = memorySampler();

    // the pipeline: publish every event, then drain
    const workers = pipeline.startWorkers(pollers);
    for (let n = 0; n < warmupEvents; n++) {
      await pipeline.service.intake.publishReportReady({ eventId: `throughput-warmup-${n}`, reportId: 'throughput', reportName: 'Throughput', data: { rows: n } } as never);
    }
    await pipeline.untilDelivered(warmupEvents * robots, 600_000);
    const accepted = new Map<string, number>();
    const pipelineCpuBefore = cpuSecondsByRole(process.pid);
    const started = performance.now();
    for (let n = 0; n < events; n++) {
      const eventId = `throughput-${n}`;
      accepted.set(eventId, Date.now());
      await pipeline.service.intake.publishReportReady({ eventId, reportId: 'throughput', reportName: 'Throughput', data: { rows: n } } as never);
    }
    await pipeline.untilDelivered(warmupEvents * robots + total, 600_000);
    const pipelineSeconds = (performance.now() - started) / 1000;
    const pipelineCpu = cpuSpent(pipelineCpuBefore);
    await workers.stop();
    const pipelineLatencies = await latencies(pipeline, accepted);

    // the ceiling: the same bodies, the same client, straight to the simulator
    const { renderMessage } = await import('../lib/render/renderMessage');
    const { sendToDingTalk } = await import('../lib/dingtalk/client');
    const robotList = (await pipeline.service.robots.listRobots({ limit: 100 } as never)).items;
    const template = await pipeline.service.templates.getTemplate(robotList[0].templateId);
    const { robotsStore } = await import('../lib/store/robotsStore');
    const storedRobot = (await robotsStore.get(robotList[0].id))!;
    const { open } = await import('../lib/secrets/secretBox');
    const fullRobot = { ...storedRobot, webhookUrl: await open(storedRobot.webhookUrl), secret: storedRobot.secret && (await open(storedRobot.secret)) };
    const bodies = Array.from({ length: total }, (_, i) => ({ ...renderMessage(template, { eventId: `raw-${i}`, reportId: 'throughput', reportName: 'Throughput', data: { rows: i } } as never, fullRobot), msgUuid: `raw-${i}` }));
    let next = 0;
    const rawCpuBefore = cpuSecondsByRole(process.pid);
    const rawStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < total; i = next++) {
          const result = await sendToDingTalk(bodies[i], { webhookUrl: fullRobot.webhookUrl, secret: fullRobot.secret, timeoutMs: 5000 });
          if (result.outcome !== 'ok') throw new Error(`raw send failed: ${result.errmsg}`);
        }
      }),
    );
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    const rawCpu = cpuSpent(rawCpuBefore);


    // latency at a steady 100 deliveries per second: one event to 100 robots each second
    const pacedRobots = await createRobots(pipeline, pacedPerSecond, 'paced');
    const pacedWorkers = pipeline.startWorkers(pollers);
    const before = (await pipeline.simulatorStats()).distinctMessages;
    const pacedAccepted = new Map<string, number>();
    const pacedStarted = Date.now();
    const publishing: Promise<void>[] = [];
    for (let second = 0; second < pacedSeconds; second++) {
      const due = pacedStarted + second * 1000;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      // on schedule, not after the previous 202: a slow intake must not slow the publisher down (that
      // would pace the run below 100 per second and flatter the latency)
      const eventId = `paced-${second}`;
      pacedAccepted.set(eventId, Date.now());
      publishing.push(pipeline.service.intake.publishReportReady({ eventId, reportId: 'paced', reportName: 'Paced', data: { rows: second } } as never).then(() => undefined));
    }
    await Promise.all(publishing);
    await pipeline.untilDelivered(before + pacedSeconds * pacedRobots.length, 300_000);
    await pacedWorkers.stop();
    const pacedLatencies = await latencies(pipeline, pacedAccepted);
    const peakRss = memory.stop();
    const workerPeak = await workerProcessPeak(pipeline, pacedRobots.length);

    const pipelineRate = total / pipelineSeconds;
    const rawRate = total / rawSeconds;
    const rows = [
      { run: `pipeline: ${events} events × ${robots} robots`, deliveries: total, seconds: round(pipelineSeconds, 2), 'deliveries/s': Math.round(pipelineRate), 'vs raw': round(pipelineRate / rawRate, 3), 'p50 published→sent ms': Math.round(percentile(pipelineLatencies, 50)), 'p99 ms': Math.round(percentile(pipelineLatencies, 99)) },
      { run: `raw POST loop, ${concurrency} at once`, deliveries: total, seconds: round(rawSeconds, 2), 'deliveries/s': Math.round(rawRate), 'vs raw': 1, 'p50 published→sent ms': '-', 'p99 ms': '-' },
      { run: `paced: ${pacedPerSecond} deliveries/s for ${pacedSeconds} s`, deliveries: pacedLatencies.length, seconds: pacedSeconds, 'deliveries/s': pacedPerSecond, 'vs raw': '-', 'p50 published→sent ms': Math.round(percentile(pacedLatencies, 50)), 'p99 ms': Math.round(percentile(pacedLatencies, 99)) },
    ];
    printTable(`Delivery throughput (${pollers} pollers × 10 jobs in flight; simulator rate limit off)`, rows);
    const perDelivery = (seconds: number | undefined) => round(((seconds ?? 0) * 1000) / total, 2);
    const cpuRows = [...pipelineCpu.keys()].map((role) => ({ process: role, 'pipeline ms per push': perDelivery(pipelineCpu.get(role)), 'raw ms per POST': perDelivery(rawCpu.get(role)) }));
    cpuRows.push({ process: 'total', 'pipeline ms per push': perDelivery(sum(pipelineCpu)), 'raw ms per POST': perDelivery(sum(rawCpu)) });
    printTable('CPU per delivery by process (2 cores give 2,000 ms of CPU per second; a third of the raw rate needs the pipeline at 3x the raw total or less)', cpuRows);
    console.log(`peak RSS of this process (worker, intake and poller together): ${round(peakRss / 2 ** 20)} MB`);
    console.log(`peak RSS of the worker in a process of its own (npm start's, tsx included) delivering ${workerPeak.deliveries}: ${workerPeak.peakMB} MB (target < 200 MB)`);
    console.log('targets: pipeline ≥ 1/3 of the raw loop; p99 < 1000 ms at 100 deliveries/s');
    console.log(`wrote ${writeResult('throughput', { machine: machine(), inputs: { events, robots, warmupEvents, pollers, concurrency, pacedSeconds, pacedPerSecond }, rows, cpuPerDelivery: cpuRows, peakRssMB: round(peakRss / 2 ** 20), workerProcess: workerPeak })}`);
  } finally {
    await pipeline.stop();
  }
}
