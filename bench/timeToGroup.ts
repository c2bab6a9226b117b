// Time to the group, and CPU per push (benchmarks 1 and 3), from one run through `npm start`'s real pieces:
// 100 pushes per second for 60 s over 100 robots whose rate limit is set high enough that none waits
// (this measures the pipeline, not DingTalk's limit). Latency is from the publish call to the simulator
// receiving the message. CPU is what the project's own processes (serverless-offline with the intake and
// the authorizer, and the worker with its queue poller) spend per delivered push, against what a bare
// loop spends per POST of the same bodies to the same simulator, measured right after in this run.
import { startLocalService } from '../test/support/localService';
import { simulatorAt } from '../test/support/simulator';
import { cpuSecondsByRole } from './processCpu';
import { machine, percentile, printTable, rawPostLoop, round, writeResult } from './support';
import { sleep } from '../lib/concurrency';

const ratePerSecond = Number(process.env.TTG_RATE ?? 100);
const seconds = Number(process.env.TTG_SECONDS ?? 60);
const robotCount = Number(process.env.TTG_ROBOTS ?? 100);
const warmupSeconds = Number(process.env.TTG_WARMUP_SECONDS ?? 20);
/** The bare loop's requests in flight: about what the pipeline has in flight at this rate. */
const bareConcurrency = 10;
const targetP99Ms = 500;
const targetCpuRatio = 4;
/** The project's own processes, as processCpu names them; the simulator runs inside npm start's own process. */
const projectRoles = ['serverless-offline (API functions)', 'worker + sweeper'];

export async function timeToGroupBenchmark(): Promise<void> {
  const service = await startLocalService({ LOG_LEVEL: 'warn', DATA_DIR: 'memory', DINGTALK_RATE_LIMIT: '100000/60' });
  const simulator = simulatorAt(() => service.simulatorUrl);
  const post = async (path: string, body: unknown, token = service.adminToken) => {
    const response = await fetch(`${service.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { id: string } };
  };
  const delivered = async () =>
    ((await (await fetch(`${service.simulatorUrl}/_sim/stats`)).json()) as { distinctMessages: number }).distinctMessages;
  const until = async (count: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while ((await delivered()) < count && Date.now() < deadline) await sleep(200);
    return delivered();
  };
  /** Publishes `total` events at `rate` per second, each to one robot in turn; resolves with each publish call's start time. */
  const publishAt = async (prefix: string, total: number, rate: number, robotIds: string[]) => {
    const startedAt = new Array<number>(total);
    const sends: Promise<void>[] = [];
    const started = Date.now();
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      startedAt[n] = Date.now();
      sends.push(
        (async () => {
          for (let attempt = 0; attempt < 60; attempt++) {
            const response = await post(
              '/events/report-ready',
              {
                eventId: `${prefix}-${n}`,
                reportId: 'ttg',
                reportName: 'TTG',
                robotIds: [robotIds[n % robotIds.length]],
                data: { n: `${prefix}-${n}` },
              },
              service.publisherToken,
            ).catch(() => undefined);
            if (response?.status === 202) return;
            if (response && response.status < 500 && response.status !== 409)
              throw new Error(`event ${prefix}-${n}: ${response.status} ${JSON.stringify(response.body)}`);
            await sleep(500);
          }
          throw new Error(`event ${prefix}-${n} was never accepted`);
        })(),
      );
    }
    await Promise.all(sends);
    return startedAt;
  };

  try {
    const template = await post('/templates', { name: 'TTG', msgType: 'text', text: 'TTG {{data.n}}' });
    const robots: { id: string; token: string }[] = [];
    for (let i = 0; i < robotCount; i++) {
      // the simulator's own limit off too (npm start's enforces DingTalk's 20 per minute on every robot)
      const { token, webhookUrl } = await simulator.registerRobot({ rateLimit: null }, `ttgtoken${String(i).padStart(6, '0')}`);
      const robot = await post('/robots', { name: `TTG robot ${i}`, webhookUrl, templateId: template.body.id, reports: ['ttg-none'] });
      robots.push({ id: robot.body.id, token });
    }
    const robotIds = robots.map((robot) => robot.id);
    // a freshly started JVM (DynamoDB Local) serves its first thousands of requests slowly; a service in use is past that
    const warmupEvents = Math.round((ratePerSecond / 2) * warmupSeconds);
    await publishAt('warmup', warmupEvents, ratePerSecond / 2, robotIds);
    await until(warmupEvents, 300_000);

    const total = ratePerSecond * seconds;
    const cpuBefore = cpuSecondsByRole(service.pid);
    const runStarted = Date.now();
    const startedAt = await publishAt('ttg', total, ratePerSecond, robotIds);
    const publishSeconds = (Date.now() - runStarted) / 1000;
    const arrived = (await until(warmupEvents + total, 600_000)) - warmupEvents;
    const cpuAfter = cpuSecondsByRole(service.pid);

    // when each message reached the group: the simulator's receive time, by the n in its text
    const latencies: number[] = [];
    const bodies: { url: string; raw: string }[] = [];
    for (const robot of robots) {
      for (const item of await simulator.messages(robot.token)) {
        const match = /^TTG ttg-(\d+)$/.exec((item.body.text as { content?: string } | undefined)?.content ?? '');
        if (!match) continue;
        latencies.push(item.at - startedAt[Number(match[1])]);
        bodies.push({ url: `${service.simulatorUrl}/robot/send?access_token=${robot.token}`, raw: item.raw });
      }
    }

    // the bare loop: the same bodies POSTed to the same simulator, as fast as `bareConcurrency` requests in flight allow
    const bareCpuBefore = process.cpuUsage();
    const bareStarted = performance.now();
    await rawPostLoop(bodies, bareConcurrency);
    const bareSeconds = (performance.now() - bareStarted) / 1000;
    const bareCpu = process.cpuUsage(bareCpuBefore);
    const bareCpuMsPerPost = (bareCpu.user + bareCpu.system) / 1000 / bodies.length;

    const byRole = [...cpuAfter].map(([role, used]) => ({ role, seconds: used - (cpuBefore.get(role) ?? 0) }));
    const projectSeconds = byRole.filter((row) => projectRoles.includes(row.role)).reduce((sum, row) => sum + row.seconds, 0);
    const projectMsPerPush = (projectSeconds * 1000) / arrived;
    const ratio = projectMsPerPush / bareCpuMsPerPost;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);

    printTable(
      `Time to the group: ${ratePerSecond} pushes/s for ${seconds} s over ${robotCount} robots (publish took ${round(publishSeconds)} s), npm start`,
      [
        {
          pushes: total,
          arrived,
          'p50 ms': round(p50),
          'p99 ms': round(p99),
          'max ms': round(Math.max(...latencies)),
          target: `p99 < ${targetP99Ms} ms`,
          met: p99 < targetP99Ms ? 'yes' : 'no',
        },
      ],
    );
    printTable('CPU per delivered push, by process (from the first measured event until the last push arrived)', [
      ...byRole
        .sort((a, b) => b.seconds - a.seconds)
        .map((row) => ({
          process: row.role,
          'cpu s': round(row.seconds, 2),
          'ms per push': round((row.seconds * 1000) / arrived, 2),
          counted: projectRoles.includes(row.role) ? 'project' : '-',
        })),
      {
        process: `bare loop: ${bodies.length} POSTs of the same bodies (${round(bareSeconds, 1)} s)`,
        'cpu s': round((bareCpu.user + bareCpu.system) / 1e6, 2),
        'ms per push': round(bareCpuMsPerPost, 3),
        counted: 'baseline',
      },
    ]);
    printTable('CPU per push against the bare loop', [
      {
        'project ms per push': round(projectMsPerPush, 2),
        'bare ms per POST': round(bareCpuMsPerPost, 3),
        ratio: round(ratio, 2),
        target: `≤ ${targetCpuRatio}`,
        met: ratio <= targetCpuRatio ? 'yes' : 'no',
      },
    ]);
    const inputs = { ratePerSecond, seconds, robotCount, warmupSeconds, warmupEvents, rateLimit: '100000/60', bareConcurrency };
    console.log(
      `wrote ${writeResult('time-to-group', { machine: machine(), inputs, publishSeconds, pushes: total, arrived, p50Ms: p50, p99Ms: p99, maxMs: Math.max(...latencies), targetP99Ms, met: p99 < targetP99Ms })}`,
    );
    console.log(
      `wrote ${writeResult('cpu-per-push', { machine: machine(), inputs, projectRoles, byRole, arrived, projectMsPerPush, bare: { posts: bodies.length, seconds: bareSeconds, cpuMsPerPost: bareCpuMsPerPost }, ratio, targetCpuRatio, met: ratio <= targetCpuRatio })}`,
    );
    if (arrived !== total) {
      process.exitCode = 1;
      console.log(`MISSING: ${total - arrived} pushes did not arrive`);
    }
  } finally {
    await service.stop();
  }
}
