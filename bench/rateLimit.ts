// Rate-limit exactness, with the simulator enforcing 20 messages per 2 seconds per robot. One robot, 100
// messages: zero 130101 and a drain time within 5 % of the ideal (five full windows: 10 s), published
// while the workers run and queued before they start, BENCH_RATE_RUNS times each, every run printed.
// Then 200 robots × 10 messages at once: no robot waits for another. Last, the same 2,000 messages as 10
// events fanned out to all 200 robots, as the BI platform sends them: its total is the pipeline's throughput.
import { machine, percentile, printTable, round, writeResult } from './support';
import { createRobots, startPipeline, type Pipeline } from './pipeline';

const limit = { messages: 20, windowMs: 2000 };
const singleMessages = Number(process.env.BENCH_RATE_MESSAGES ?? 100);
const singleRuns = Number(process.env.BENCH_RATE_RUNS ?? 3);
const manyRobots = Number(process.env.BENCH_RATE_ROBOTS ?? 200);
const perRobot = Number(process.env.BENCH_RATE_PER_ROBOT ?? 10);
/**
 * Events to 100 other robots delivered first, untimed: a freshly started DynamoDB Local (a JVM) serves its
 * first thousands of requests at a third to half its later speed, which spread the single robot's first
 * window over the 4 s its 100 events then took to publish, and a sliding window repeats that spread.
 */
const warmupEvents = Number(process.env.BENCH_WARMUP_EVENTS ?? 10);

interface Arrival {
  token: string;
  at: number;
}

async function arrivals(pipeline: Pipeline): Promise<Arrival[]> {
  const { items } = (await (await fetch(`${pipeline.simulatorUrl}/_sim/messages`)).json()) as { items: Arrival[] };
  return items;
}

/** When the messages to robots whose token starts with `prefix` arrived, in order. */
async function arrivalTimes(pipeline: Pipeline, prefix: string): Promise<number[]> {
  return (await arrivals(pipeline))
    .filter((a) => a.token.startsWith(prefix))
    .map((a) => a.at)
    .sort((a, b) => a - b);
}

/** A burst's drain: its first delivery to its last, plus one window, when the robot's budget is whole again. */
const drainMs = (times: number[]) => times[times.length - 1] - times[0] + limit.windowMs;
const spreadMs = (times: number[]) => Math.max(...times) - Math.min(...times);
type SimulatorStats = Awaited<ReturnType<Pipeline['simulatorStats']>>;
/** 130101 answers the simulator gave between two of its stats. */
const throttledBetween = (before: SimulatorStats, after: SimulatorStats) =>
  (after.byErrcode['130101'] ?? 0) - (before.byErrcode['130101'] ?? 0);

/** Publishes `count` events for each robot (explicit robotIds), 8 at a time; returns when each robot's last event was accepted. */
async function publish(pipeline: Pipeline, prefix: string, robotIds: string[], count: number): Promise<Map<string, number>> {
  const events = robotIds.flatMap((robotId, r) =>
    Array.from({ length: count }, (_, n) => ({ eventId: `${prefix}-${r}-${n}`, robotId, n })),
  );
  const lastAccepted = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < events.length; i = next++) {
        const { eventId, robotId, n } = events[i];
        await pipeline.service.intake.publishReportReady('default', {
          eventId,
          reportId: prefix,
          reportName: 'Rate',
          robotIds: [robotId],
          data: { rows: n },
        } as never);
        lastAccepted.set(robotId, Math.max(lastAccepted.get(robotId) ?? 0, Date.now()));
      }
    }),
  );
  return lastAccepted;
}

export async function rateLimitBenchmark(): Promise<void> {
  const pipeline = await startPipeline({
    simulatorRateLimit: `${limit.messages}/${limit.windowMs / 1000}`,
    // the service's margin at its default share of the window (5 %), as for DingTalk's 20 per minute
    environment: {
      DINGTALK_RATE_LIMIT: `${limit.messages}/${limit.windowMs / 1000}`,
      DINGTALK_RATE_MARGIN_MS: String(limit.windowMs * 0.05),
      PUSH_RETRY_BASE_SECONDS: '1',
    },
  });
  try {
    let workers = pipeline.startWorkers(4);
    await createRobots(pipeline, 100, 'rate-warmup');
    for (let n = 0; n < warmupEvents; n++) {
      await pipeline.service.intake.publishReportReady('default', {
        eventId: `rate-warmup-${n}`,
        reportId: 'rate-warmup',
        reportName: 'Warm-up',
        data: { rows: n },
      } as never);
    }
    await pipeline.untilDelivered(warmupEvents * 100, 300_000);
    const warmedUp = await pipeline.simulatorStats();

    // one robot, 100 messages, published while the workers run and queued before they start
    const idealMs = Math.ceil(singleMessages / limit.messages) * limit.windowMs;
    const singleRows: Record<string, string | number>[] = [];
    let stats = warmedUp;
    for (let run = 1; run <= singleRuns; run++) {
      for (const queuedFirst of [false, true]) {
        const prefix = `rate-single${run}${queuedFirst ? 'q' : 'p'}`;
        const [robot] = await createRobots(pipeline, 1, prefix);
        if (queuedFirst) await workers.stop();
        const started = Date.now();
        await publish(pipeline, prefix, [robot], singleMessages);
        if (queuedFirst) workers = pipeline.startWorkers(4);
        await pipeline.untilDelivered(stats.distinctMessages + singleMessages, 120_000);
        const times = await arrivalTimes(pipeline, `bench${prefix}`);
        const after = await pipeline.simulatorStats();
        const drain = drainMs(times);
        singleRows.push({
          case: `run ${run}: 1 robot × ${singleMessages}, ${queuedFirst ? 'queued before the workers start' : 'published while the workers run'}`,
          'errcode 130101': throttledBetween(stats, after),
          'drain ms': drain,
          'ideal ms': idealMs,
          'drain / ideal': round(drain / idealMs, 3),
          // a sliding window repeats its first window's spread: the drain is at least 4 spans (window + margin) + this + a window
          'first window ms': times[limit.messages - 1] - times[0],
          'published → last ms': queuedFirst ? '-' : times[times.length - 1] - started,
          'met (≤ 1.05, no 130101)': drain / idealMs <= 1.05 && throttledBetween(stats, after) === 0 ? 'yes' : 'no',
        });
        stats = after;
      }
    }
    const queuedStats = stats;

    // 200 robots × 10 messages, all at once
    const robotIds = await createRobots(pipeline, manyRobots, 'rate-many');
    const before = queuedStats.distinctMessages;
    const manyStarted = Date.now();
    const lastAccepted = await publish(pipeline, 'rate-many', robotIds, perRobot);
    const publishedMs = Date.now() - manyStarted;
    await pipeline.untilDelivered(before + manyRobots * perRobot, 300_000);
    const manyTotalMs = Date.now() - manyStarted;
    const manyStats = await pipeline.simulatorStats();

    // the same 2,000 messages as the BI platform sends them: 10 events, each fanned out to all 200 robots.
    // 10 messages fit one window, so no robot's limit binds: time past the first window is the pipeline's.
    const fanRobotIds = await createRobots(pipeline, manyRobots, 'rate-fan');
    const fanStarted = Date.now();
    for (let n = 0; n < perRobot; n++) {
      await pipeline.service.intake.publishReportReady('default', {
        eventId: `rate-fan-${n}`,
        reportId: 'rate-fan',
        reportName: 'Rate',
        data: { rows: n },
      } as never);
    }
    const fanPublishedMs = Date.now() - fanStarted;
    await pipeline.untilDelivered(manyStats.distinctMessages + fanRobotIds.length * perRobot, 300_000);
    const fanTotalMs = Date.now() - fanStarted;
    await workers.stop();
    const finalStats = await pipeline.simulatorStats();
    const allArrivals = await arrivals(pipeline);
    const arrivalsByRobot = (prefix: string) => {
      const byRobot = new Map<string, number[]>();
      for (const arrival of allArrivals) {
        if (!arrival.token.startsWith(prefix)) continue;
        (byRobot.get(arrival.token) ?? byRobot.set(arrival.token, []).get(arrival.token)!).push(arrival.at);
      }
      return byRobot;
    };
    const byRobot = arrivalsByRobot('benchrate-many');
    // one robot's own spread: 10 messages fit one window, so the ideal is no wait at all
    const spreads = [...byRobot.values()].map(spreadMs);
    const fanSpreads = [...arrivalsByRobot('benchrate-fan').values()].map(spreadMs);
    // how long after its own last event was accepted a robot's last message arrived: waiting behind other
    // robots would show here, while the spread above also holds the time its 10 events took to publish
    const lags = robotIds.map(
      (robotId, r) => Math.max(...(byRobot.get(`benchrate-many${r}`) ?? [Number.NaN])) - (lastAccepted.get(robotId) as number),
    );
    const perRobotIdealMs = Math.max(0, Math.ceil(perRobot / limit.messages) - 1) * limit.windowMs;

    printTable(
      `One robot, ${singleMessages} messages (simulator: ${limit.messages} per ${limit.windowMs / 1000} s; target drain / ideal ≤ 1.05, zero 130101)`,
      singleRows,
    );
    const rows = [
      {
        case: `${manyRobots} robots × ${perRobot}`,
        deliveries: manyRobots * perRobot,
        'errcode 130101': throttledBetween(queuedStats, manyStats),
        'drain ms': manyTotalMs,
        'ideal ms': perRobotIdealMs,
        'drain / ideal': '-',
        'published → last ms': manyTotalMs,
      },
      {
        case: `${manyRobots} robots × ${perRobot}, as ${perRobot} events to all`,
        deliveries: fanRobotIds.length * perRobot,
        'errcode 130101': throttledBetween(manyStats, finalStats),
        'drain ms': fanTotalMs,
        'ideal ms': perRobotIdealMs,
        'drain / ideal': '-',
        'published → last ms': fanTotalMs,
      },
    ];
    printTable(`Rate-limit exactness (simulator: ${limit.messages} per ${limit.windowMs / 1000} s per robot)`, rows);
    // the ideal for 10 messages that fit one window is to send each as its event is accepted; within one window of that is the target
    const withinWindow = lags.filter((lag) => lag <= limit.windowMs).length;
    const spreadRow = {
      'robots within a window of ideal': `${withinWindow} of ${lags.length}`,
      met: withinWindow === lags.length && throttledBetween(queuedStats, manyStats) === 0 ? 'yes' : 'no',
      'robot spread p50 ms': round(percentile(spreads, 50)),
      'p99 ms': round(percentile(spreads, 99)),
      'max ms': Math.max(...spreads),
      'ideal ms': perRobotIdealMs,
      'last accepted → last sent p50 ms': round(percentile(lags, 50)),
      'last accepted → last sent p99 ms': round(percentile(lags, 99)),
      'publishing took ms': publishedMs,
      'all delivered after ms': manyTotalMs,
    };
    printTable(`${manyRobots} robots × ${perRobot}: how long each robot's messages are spread (a robot held up by another would show it)`, [
      spreadRow,
    ]);
    const fanRow = {
      'robot spread p50 ms': round(percentile(fanSpreads, 50)),
      'p99 ms': round(percentile(fanSpreads, 99)),
      'publishing took ms': fanPublishedMs,
      'all delivered after ms': fanTotalMs,
      'deliveries per s': round((fanRobotIds.length * perRobot) / (fanTotalMs / 1000), 1),
    };
    printTable(
      `${manyRobots} robots × ${perRobot} as ${perRobot} fanned-out events: no limit binds, so the total is the pipeline's throughput`,
      [fanRow],
    );
    console.log(
      `wrote ${writeResult('rate-limit', { machine: machine(), inputs: { limit, warmupEvents, singleMessages, singleRuns, manyRobots, perRobot }, singleRobot: singleRows, rows, spreads: spreadRow, fanOut: fanRow })}`,
    );
  } finally {
    await pipeline.stop();
  }
}
