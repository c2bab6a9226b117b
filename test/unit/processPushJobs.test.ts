import { createHash } from 'node:crypto';
// The worker's orchestration with fake ports: order within a robot's group, robots independent, what comes
// back on the queue and when. No DynamoDB, no queue: the ports record what the worker asked of them.
import type { PushJob } from '../../schemas/pushJob';
import type { DeliveryAttempt } from '../../lib/delivery/webhookClient';
import type { ChannelMessage } from '../../lib/channels';
import type { RenderedMessage } from '../../lib/channels/message';
import { processPushJobs, type DeliveryPorts, type QueueMessage } from '../../lib/delivery/processPushJobs';
import type { SendWindowState } from '../../lib/domain/sendWindow';
import { newQueuedRecord, type PushRecord } from '../../lib/domain/pushRecord';

const jobFixtureRecord = (id: string) => ({
  id,
  workspaceId: 'default',
  eventId: `event-${id}`,
  reportId: 'digest',
  reportName: 'digest',
  robotId: 'robot-1',
  robotName: 'Sales',
  templateId: 'template-1',
  templateName: 'Daily',
});
import { jobFixture, robotFixture, rules, templateFixture } from '../support/deliveryFixtures';

type Answer = DeliveryAttempt['outcome'];

function fakeWorld(answers: Record<string, Answer[]> = {}) {
  let time = 1_000_000;
  const records = new Map<string, PushRecord>();
  const windows = new Map<string, SendWindowState>();
  const sent: { robotId: string; recordId: string; at: number; webhook: string }[] = [];
  const cameBack: { receiptHandles: string[]; at: number }[] = [];
  const deadLetters: { body: string; reason: string }[] = [];
  const metrics: string[] = [];
  const releases: string[] = [];
  const heldJobs = new Map<string, PushJob>();
  // the fixtures' robots are DingTalk's: what they are sent is a DingTalk body
  const contents = new Map<string, ChannelMessage>();
  const images = new Map<string, Buffer>();
  const messages: RenderedMessage[] = [];
  const robots = new Map([robotFixture(), robotFixture({ id: 'robot-2', name: 'Ops' })].map((robot) => [robot.id, robot]));
  const ports: DeliveryPorts = {
    readInputs: async (jobs: PushJob[]) => ({
      robots: new Map(jobs.flatMap((job) => (robots.has(job.robotId) ? [[job.robotId, robots.get(job.robotId)!]] : []))),
      windows: new Map(jobs.map((job) => [job.robotId, windows.get(job.robotId) ?? { sends: [], cooldownUntil: 0 }])),
      records: new Map(jobs.flatMap((job) => (records.has(job.recordId) ? [[job.recordId, records.get(job.recordId)!]] : []))),
      templates: new Map([['template-1', templateFixture()]]),
    }),
    readRobot: async (id) => robots.get(id),
    putWindow: async (robotId, window) => void windows.set(robotId, window),
    send: async (body, robot, webhook) => {
      const message = body as RenderedMessage;
      // the fixtures' jobs render as "Report Sales: <n>" for record-<robot>-<n>
      // and a digest (markdown) as record-<robot>-digest
      const recordId = `record-${robot.id}-${message.msgtype === 'text' ? message.text.content.split(': ')[1] : 'digest'}`;
      const outcome = answers[recordId]?.shift() ?? 'ok';
      sent.push({ robotId: robot.id, recordId, at: time, webhook });
      messages.push(message);
      const result = outcome === 'uncertain' ? 'uncertain' : 'answered';
      return {
        result,
        outcome,
        errmsg: outcome === 'ok' ? 'ok' : `answer ${outcome}`,
        durationMs: 5,
        ...(outcome === 'throttled' && { errcode: 130101 }),
      };
    },
    readImage: async (id) => images.get(id),
    // a record is written with the body it sent (its content item) when it carries one
    saveRecords: async (saved) => {
      for (const { content, contentBytes: _bytes, template: _template, ...record } of saved) {
        records.set(record.id, record);
        if (content) contents.set(record.id, content);
      }
    },
    closeRecord: async ({ content, contentBytes: _bytes, template: _template, ...record }, status, reason, now) => {
      records.set(record.id, { ...record, status, errmsg: reason, updatedAt: new Date(now).toISOString() });
      if (content) contents.set(record.id, content);
    },
    holdRecord: async (record, until) =>
      void records.set(record.id, { ...(records.get(record.id) ?? record), status: 'held', heldUntil: new Date(until).toISOString() }),
    readHeld: async (_workspaceId, robotId, limit) =>
      [...heldJobs.values()].filter((job) => job.robotId === robotId && records.get(job.recordId)?.status === 'held').slice(0, limit),
    requestRelease: async (_workspaceId, robotId) => void releases.push(robotId),
    ensureQueued: async (record) => void (records.has(record.id) || records.set(record.id, record)),
    comeBackAt: async (receiptHandles, at) => void cameBack.push({ receiptHandles, at }),
    deadLetter: async ({ body }, reason) => void deadLetters.push({ body, reason }),
    continueFanOut: async () => undefined,
    countPermanentFailure: async () => undefined,
    clearFailureStreak: async () => undefined,
    metric: (name) => void metrics.push(name),
    now: () => time,
    sleep: async (ms) => {
      time += Math.max(0, ms);
    },
  };
  return {
    ports,
    records,
    windows,
    sent,
    messages,
    contents,
    images,
    cameBack,
    deadLetters,
    metrics,
    robots,
    releases,
    heldJobs,
    now: () => time,
  };
}

const message = (job: PushJob, extra: Partial<QueueMessage> = {}): QueueMessage => ({
  messageId: job.recordId,
  receiptHandle: `handle-${job.recordId}`,
  body: JSON.stringify(job),
  groupId: job.robotId,
  ...extra,
});
const run = (world: ReturnType<typeof fakeWorld>, messages: QueueMessage[]) =>
  processPushJobs(messages, world.ports, rules, world.now() + 20_000);

describe('processPushJobs', () => {
  it("sends a robot's jobs in order; a retried one holds back that robot's later jobs and no other robot's", async () => {
    const [a1, a2, a3] = [1, 2, 3].map((n) => jobFixture(n));
    const b1 = jobFixture(1, 'robot-2');
    const world = fakeWorld({ [a2.recordId]: ['retryable'] });
    const result = await run(
      world,
      [a1, a2, a3, b1].map((job) => message(job)),
    );
    expect(world.sent.map((send) => send.recordId)).toEqual([a1.recordId, b1.recordId, a2.recordId]);
    expect(result.failedMessageIds).toEqual([a2.recordId, a3.recordId]);
    // both come back together, at the retry's time, in their order
    expect(world.cameBack).toEqual([{ receiptHandles: [`handle-${a2.recordId}`, `handle-${a3.recordId}`], at: expect.any(Number) }]);
    expect(world.records.get(a2.recordId)).toMatchObject({
      status: 'queued',
      attempts: 1,
      attemptLog: [expect.objectContaining({ errmsg: 'answer retryable' })],
    });
    expect(world.records.get(a3.recordId)).toBeUndefined();
    expect(world.records.get(b1.recordId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it("sends a WeCom push's stored screenshot as an image message right after its body, before the robot's next push", async () => {
    const world = fakeWorld();
    world.robots.set('robot-1', robotFixture({ channel: 'wecom' }));
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    world.images.set('image-id-0000000000000000', png);
    const screenshot = {
      id: 'image-id-0000000000000000',
      name: 'chart',
      url: 'http://127.0.0.1/images/x',
      contentType: 'image/png' as const,
      bytes: png.length,
    };
    const gif = {
      id: 'image-id-gif-00000000000000',
      name: 'anim',
      url: 'http://127.0.0.1/images/y',
      contentType: 'image/gif' as const,
      bytes: 10,
    };
    const first = { ...jobFixture(1), report: { ...jobFixture(1).report, images: [screenshot, gif] } };
    const second = jobFixture(2);
    const result = await run(world, [message(first), message(second)]);
    const md5 = createHash('md5').update(png).digest('hex');
    // 2 a window in these rules: the body and its picture; the next push waits for the next window
    expect(world.messages).toEqual([
      { msgtype: 'text', text: { content: 'Report Sales: 1' } },
      { msgtype: 'image', image: { base64: png.toString('base64'), md5 } },
    ]);
    expect(world.records.get(first.recordId)).toMatchObject({
      status: 'sent',
      attempts: 2,
      picturesSent: [{ name: 'chart', md5, bytes: png.length }],
    });
    // the record keeps the body; the GIF, which WeCom cannot show, was not sent as a picture
    expect(world.contents.get(first.recordId)).toEqual({ msgtype: 'text', text: { content: 'Report Sales: 1' } });
    expect(result.failedMessageIds).toEqual([second.recordId]);
  });

  it('takes each send slot in the window before the POST, and sends a job whose slot is far off back to the queue until then', async () => {
    const jobs = [1, 2, 3].map((n) => jobFixture(n));
    const world = fakeWorld();
    const result = await run(
      world,
      jobs.map((job) => message(job)),
    );
    // 2 per 10.5 s in these rules
    expect(world.sent).toHaveLength(2);
    expect(world.windows.get('robot-1')?.sends).toHaveLength(2);
    expect(result.failedMessageIds).toEqual([jobs[2].recordId]);
    expect(world.cameBack[0].at).toBe(world.now() + 10_500 - 2000);
    expect(world.records.get(jobs[2].recordId)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(world.metrics).toContain('PushThrottled');
  });

  it('builds and ends records on the ports clock, never the wall clock', async () => {
    const world = fakeWorld();
    const job = jobFixture(1, 'robot-gone');
    await run(world, [message(job)]);
    const at = new Date(world.now()).toISOString();
    expect(world.records.get(job.recordId)).toMatchObject({ status: 'skipped', createdAt: at, updatedAt: at });
  });

  it('waits inline for a slot that is close, then sends on it', async () => {
    const world = fakeWorld();
    const start = world.now();
    world.windows.set('robot-1', { sends: [start - 9000, start - 8000], cooldownUntil: 0 });
    const job = jobFixture(1);
    const result = await run(world, [message(job)]);
    expect(result.failedMessageIds).toEqual([]);
    expect(world.sent).toEqual([{ robotId: 'robot-1', recordId: job.recordId, at: start - 9000 + 10_500, webhook: 'own' }]);
  });

  it('writes a later send time when writing the window made the send late, so no send starts after the time counted for it', async () => {
    const world = fakeWorld();
    const put = world.ports.putWindow;
    let writes = 0;
    // the first window write takes a second (a stalled database): far past the 250 ms the margin allows
    world.ports.putWindow = async (robotId, window) => {
      if (writes++ === 0) await world.ports.sleep(1000);
      return put(robotId, window);
    };
    const started = world.now();
    await run(world, [message(jobFixture(1))]);
    expect(writes).toBe(2);
    const [send] = world.sent;
    expect(world.windows.get('robot-1')?.sends).toEqual([send.at]);
    expect(send.at).toBeGreaterThanOrEqual(started + 1000);
  });

  it('counts a send whose answer came late at the time of the answer, so the next sends keep a window from its arrival', async () => {
    const world = fakeWorld();
    const send = world.ports.send;
    // DingTalk (or the way there) takes a second to answer: the message arrived at some moment within it
    world.ports.send = async (message, robot, webhook) => {
      const answer = await send(message, robot, webhook);
      await world.ports.sleep(1000);
      return answer;
    };
    await run(world, [message(jobFixture(1))]);
    const [sent] = world.sent;
    expect(world.windows.get('robot-1')?.sends).toEqual([sent.at + 1000]);
  });

  it('after a 130101 cools the robot down in its window and retries after the cooldown, as a throttle, not a failure', async () => {
    const job = jobFixture(1);
    const world = fakeWorld({ [job.recordId]: ['throttled'] });
    const start = world.now();
    await run(world, [message(job)]);
    expect(world.windows.get('robot-1')?.cooldownUntil).toBe(start + 60_000);
    expect(world.cameBack[0].at).toBeGreaterThanOrEqual(start + 60_000);
    expect(world.records.get(job.recordId)).toMatchObject({ status: 'queued', attempts: 1 });
  });

  it("spreads a robot's jobs over its pool's webhooks in order, each within its own window, and names each on its record", async () => {
    const jobs = [1, 2, 3, 4, 5, 6].map((n) => jobFixture(n));
    const world = fakeWorld({ [jobs[2].recordId]: ['throttled'] });
    const masked = (token: string) => `https://oapi.dingtalk.com/robot/send?access_token=${token}****`;
    world.robots.set(
      'robot-1',
      robotFixture({
        webhookUrlMasked: masked('own1'),
        pool: ['a', 'b'].map((key) => ({ key, webhookUrl: `sealed-${key}`, webhookUrlMasked: masked(key) })),
      }),
    );
    const start = world.now();
    await run(
      world,
      jobs.map((job) => message(job)),
    );
    // 2 per window each: the own webhook's two, then a's (its first throttled: a cools down, the job waits
    // and the later jobs behind it)
    expect(world.sent.map(({ recordId, webhook }) => [recordId, webhook])).toEqual([
      [jobs[0].recordId, 'own'],
      [jobs[1].recordId, 'own'],
      [jobs[2].recordId, 'a'],
    ]);
    expect(world.sent.every(({ at }) => at === start)).toBe(true);
    expect(world.records.get(jobs[1].recordId)).toMatchObject({ status: 'sent', webhook: `#1 ${masked('own1')}` });
    expect(world.records.get(jobs[2].recordId)).toMatchObject({ status: 'queued', webhook: `#2 ${masked('a')}` });
    const window = world.windows.get('robot-1');
    expect(window?.pool?.a.cooldownUntil).toBe(start + 60_000);
    expect(window?.cooldownUntil).toBe(0);

    // back after its retry's time: b has room, a is cooling, own is full for a while yet
    world.cameBack.length = 0;
    await world.ports.sleep(1000);
    await run(
      world,
      jobs.slice(2).map((job) => message(job)),
    );
    expect(world.sent.slice(3).map(({ recordId, webhook }) => [recordId, webhook])).toEqual([
      [jobs[2].recordId, 'b'],
      [jobs[3].recordId, 'b'],
    ]);
    expect(world.records.get(jobs[2].recordId)?.attemptLog.map((entry) => entry.webhook)).toEqual([
      `#2 ${masked('a')}`,
      `#3 ${masked('b')}`,
    ]);
  });

  it("past the invocation's budget, a robot's jobs not started go back at once: no holder outlives its messages' visibility", async () => {
    const jobs = [1, 2, 3].map((n) => jobFixture(n));
    const world = fakeWorld();
    const send = world.ports.send;
    // DingTalk takes 25 s to answer the first: past the batch's 20 s budget
    world.ports.send = async (message, robot, webhook) => {
      const answer = await send(message, robot, webhook);
      await world.ports.sleep(25_000);
      return answer;
    };
    const result = await run(
      world,
      jobs.map((job) => message(job)),
    );
    expect(world.sent.map(({ recordId }) => recordId)).toEqual([jobs[0].recordId]);
    expect(world.cameBack).toEqual([{ receiptHandles: jobs.slice(1).map((job) => `handle-${job.recordId}`), at: world.now() }]);
    expect(result.failedMessageIds).toEqual(jobs.slice(1).map((job) => job.recordId));
  });

  it('fails a push whose retry window has closed and parks its job in the dead-letter queue', async () => {
    const job = jobFixture(1);
    const world = fakeWorld({ [job.recordId]: ['retryable'] });
    const accepted = new Date(world.now() - 24 * 3_600_000 - 1).toISOString();
    world.records.set(job.recordId, {
      ...({} as PushRecord),
      id: job.recordId,
      status: 'queued',
      attempts: 95,
      attemptLog: [],
      robotName: 'Sales',
      templateName: 'Daily',
      createdAt: accepted,
      updatedAt: accepted,
    } as PushRecord);
    const result = await run(world, [message(job)]);
    expect(result.failedMessageIds).toEqual([]);
    expect(world.records.get(job.recordId)).toMatchObject({
      status: 'failed',
      attempts: 96,
      errmsg: 'Gave up after 96 attempts over the 24 h retry window; last: answer retryable',
    });
    expect(world.deadLetters.map((entry) => JSON.parse(entry.body).recordId)).toEqual([job.recordId]);
  });

  it('marks an attempt without an answer uncertain and, under resend, sends it again (the group may show it twice)', async () => {
    const job = jobFixture(1);
    const world = fakeWorld({ [job.recordId]: ['uncertain'] });
    await run(world, [message(job)]);
    const retrying = world.records.get(job.recordId)!;
    expect(retrying).toMatchObject({
      status: 'queued',
      attempts: 1,
      uncertain: 1,
      attemptLog: [expect.objectContaining({ result: 'uncertain' })],
    });
    expect(Date.parse(retrying.nextAttemptAt!)).toBe(world.cameBack[0].at);
    // what the alarm on the oldest retrying push reads
    expect(world.metrics).toEqual(expect.arrayContaining(['PushUncertain', 'PushRetried', 'RetryingPushAge']));
    world.ports.sleep(world.cameBack[0].at - world.now());
    await run(world, [message(job)]);
    expect(world.records.get(job.recordId)).toMatchObject({ status: 'sent', attempts: 2, uncertain: 1 });
    expect(world.records.get(job.recordId)?.nextAttemptAt).toBeUndefined();
    expect(world.sent).toHaveLength(2);
  });

  it('under hold, ends an uncertain push unconfirmed without sending it again, and the robot goes on with its next push', async () => {
    const [first, second] = [jobFixture(1), jobFixture(2)];
    const world = fakeWorld({ [first.recordId]: ['uncertain'] });
    world.robots.set('robot-1', robotFixture({ onUncertain: 'hold' }));
    const result = await run(world, [message(first), message(second)]);
    expect(result.failedMessageIds).toEqual([]);
    expect(world.records.get(first.recordId)).toMatchObject({ status: 'unconfirmed', attempts: 1, uncertain: 1 });
    expect(world.records.get(second.recordId)).toMatchObject({ status: 'sent' });
    await run(world, [message(first, { messageId: 'again' })]);
    expect(world.sent.map((send) => send.recordId)).toEqual([first.recordId, second.recordId]);
  });

  it('finds the attempt of a worker that died after its POST: the record counts it uncertain (hold: unconfirmed; resend: sent again)', async () => {
    for (const policy of ['hold', 'resend'] as const) {
      const job = jobFixture(1);
      const world = fakeWorld();
      world.robots.set('robot-1', robotFixture({ onUncertain: policy }));
      // what the dead worker left: its slot and attempt in the window, no record
      world.windows.set('robot-1', {
        sends: [world.now() - 200_000],
        cooldownUntil: 0,
        inFlight: { recordId: job.recordId, attempt: 1, at: world.now() - 200_000 },
      });
      await run(world, [message(job)]);
      expect(world.sent).toEqual([]);
      const record = world.records.get(job.recordId)!;
      expect(record).toMatchObject({
        attempts: 1,
        uncertain: 1,
        attemptLog: [expect.objectContaining({ result: 'uncertain', errmsg: expect.stringMatching(/worker stopped/) })],
      });
      if (policy === 'hold') {
        expect(record.status).toBe('unconfirmed');
        continue;
      }
      expect(record.status).toBe('queued');
      world.ports.sleep(world.cameBack[0].at - world.now());
      await run(world, [message(job)]);
      expect(world.records.get(job.recordId)).toMatchObject({ status: 'sent', attempts: 2, uncertain: 1 });
      expect(world.sent).toHaveLength(1);
    }
  });

  it("writes the body before the POST on the window's own write, and a lost attempt's record gets it from there", async () => {
    const job = jobFixture(1);
    const world = fakeWorld();
    const send = world.ports.send;
    let atPost: { window?: SendWindowState; recordWritten: boolean } = { recordWritten: false };
    world.ports.send = async (body, robot, webhook) => {
      atPost = { window: world.windows.get(robot.id), recordWritten: world.records.has(job.recordId) };
      return send(body, robot, webhook);
    };
    await run(world, [message(job)]);
    const body = { msgtype: 'text', text: { content: 'Report Sales: 1' } };
    // the only write before the POST is the window's: the slot, the attempt and the body it sends
    expect(atPost.recordWritten).toBe(false);
    expect(atPost.window?.inFlight).toMatchObject({ recordId: job.recordId, attempt: 1, content: body, template: { id: 'template-1' } });
    expect(world.contents.get(job.recordId)).toEqual(body);

    const lostJob = jobFixture(2);
    world.windows.set('robot-1', {
      sends: [world.now() - 200_000],
      cooldownUntil: 0,
      inFlight: {
        recordId: lostJob.recordId,
        attempt: 1,
        at: world.now() - 200_000,
        content: { msgtype: 'text', text: { content: 'as sent' } },
      },
    });
    await run(world, [message(lostJob)]);
    expect(world.records.get(lostJob.recordId)).toMatchObject({ uncertain: 1 });
    expect(world.contents.get(lostJob.recordId)).toEqual({ msgtype: 'text', text: { content: 'as sent' } });
  });

  it('writes the body before the POST and keeps the attempt log bounded: the first attempts and the latest, the rest counted', async () => {
    const job = jobFixture(1);
    const world = fakeWorld({ [job.recordId]: Array(30).fill('retryable') });
    for (let n = 0; n < 31; n++) {
      await run(world, [message(job)]);
      if (world.cameBack.length > 0) world.ports.sleep(world.cameBack[world.cameBack.length - 1].at - world.now());
    }
    expect(world.contents.get(job.recordId)).toEqual({ msgtype: 'text', text: { content: 'Report Sales: 1' } });
    const record = world.records.get(job.recordId)!;
    expect(record).toMatchObject({ status: 'sent', attempts: 31, attemptsOmitted: 11 });
    expect(record.attemptLog).toHaveLength(20);
    expect(record.attemptLog[0].errmsg).toBe('answer retryable');
    expect(record.attemptLog[19]).toMatchObject({ result: 'answered', errmsg: 'ok' });
  });

  it('sends a job queued twice once, and nothing for a record finished before', async () => {
    const job = jobFixture(1);
    const world = fakeWorld();
    await run(world, [message(job), message(job, { messageId: 'copy', receiptHandle: 'copy' })]);
    expect(world.sent).toHaveLength(1);
    await run(world, [message(job, { messageId: 'later-copy' })]);
    expect(world.sent).toHaveLength(1);
  });

  it('skips a disabled robot with its reason and sends nothing', async () => {
    const job = jobFixture(1);
    const world = fakeWorld();
    world.robots.set('robot-1', robotFixture({ enabled: false }));
    await run(world, [message(job)]);
    expect(world.sent).toEqual([]);
    expect(world.records.get(job.recordId)).toMatchObject({ status: 'skipped', errmsg: 'The robot is disabled' });
  });

  it('parks a message that is not a job in the dead-letter queue instead of failing it, and accepts fields it does not know', async () => {
    const world = fakeWorld();
    const newer = { ...jobFixture(1), v: 3, somethingNew: { a: 1 } };
    const result = await run(world, [{ messageId: 'poison', receiptHandle: 'p', body: '{"recordId": 1}' }, message(newer as PushJob)]);
    expect(result.failedMessageIds).toEqual([]);
    expect(world.deadLetters).toEqual([{ body: '{"recordId": 1}', reason: expect.stringMatching(/not a push job/) }]);
    expect(world.sent).toHaveLength(1);
  });

  it('brings every job back after a pause when the batch cannot read its robots and records', async () => {
    const world = fakeWorld();
    world.ports.readInputs = async () => {
      throw new Error('DynamoDB is down');
    };
    const jobs = [jobFixture(1), jobFixture(1, 'robot-2')];
    const result = await run(
      world,
      jobs.map((job) => message(job, { receiveCount: 3 })),
    );
    expect(result.failedMessageIds.sort()).toEqual(jobs.map((job) => job.recordId).sort());
    expect(world.cameBack[0].at).toBe(world.now() + 8000);
  });

  describe('digests', () => {
    const digestWorld = (answers: Record<string, Answer[]> = {}, after = 5) => {
      const world = fakeWorld(answers);
      world.robots.set('robot-1', robotFixture({ digest: { enabled: true, after } }));
      return world;
    };
    const digestRecords = (world: ReturnType<typeof fakeWorld>) => [...world.records.values()].filter((record) => record.members);

    it('merges the waiting pushes, in order, into one message in one slot; each record ends sent with the digest that carried it', async () => {
      const jobs = [1, 2, 3, 4, 5, 6].map((n) => jobFixture(n));
      const world = digestWorld();
      await run(
        world,
        jobs.map((job) => message(job)),
      );
      expect(world.sent).toHaveLength(1);
      const [digest] = world.messages;
      expect(digest).toMatchObject({ msgtype: 'markdown', markdown: { title: '6 条推送 · 6 pushes' } });
      expect(digest.msgtype === 'markdown' && digest.markdown.text).toBe(
        `#### 6 条推送 · 6 pushes\n\n${[1, 2, 3, 4, 5, 6].map((n) => `- Report Sales: ${n}`).join('\n')}`,
      );
      const [record] = digestRecords(world);
      expect(record).toMatchObject({ status: 'sent', members: jobs.map((job) => job.recordId), reportId: 'digest' });
      expect(record).not.toHaveProperty('digestId');
      expect(world.contents.get(record.id)).toEqual(digest);
      for (const job of jobs) expect(world.records.get(job.recordId)).toMatchObject({ status: 'sent', digestId: record.id, attempts: 1 });
      expect(world.windows.get('robot-1')?.sends).toHaveLength(1);
    });

    it('sends alone while the window has room for each, and merges once more wait than it has', async () => {
      const world = digestWorld();
      await run(
        world,
        [jobFixture(1), jobFixture(2)].map((job) => message(job)),
      );
      expect(world.messages.map((sent) => sent.msgtype)).toEqual(['text', 'text']);
      expect(digestRecords(world)).toEqual([]);

      // the window (2 per 10.5 s) is full: three waiting are merged, and wait for the slot together
      const waiting = [3, 4, 5].map((n) => jobFixture(n));
      await run(
        world,
        waiting.map((job) => message(job)),
      );
      expect(world.sent).toHaveLength(2);
      expect(world.cameBack).toEqual([{ receiptHandles: waiting.map((job) => `handle-${job.recordId}`), at: expect.any(Number) }]);
      for (const job of waiting) expect(world.records.get(job.recordId)).toMatchObject({ status: 'queued' });
      await world.ports.sleep(world.cameBack[0].at - world.now());
      await run(
        world,
        waiting.map((job) => message(job)),
      );
      expect(world.messages[2]).toMatchObject({ msgtype: 'markdown', markdown: { title: '3 条推送 · 3 pushes' } });
      for (const job of waiting)
        expect(world.records.get(job.recordId)).toMatchObject({ status: 'sent', digestId: digestRecords(world)[0].id });
    });

    it('after a failed digest its pushes come back together and the next digest carries them; the failed one says so', async () => {
      const jobs = [1, 2, 3].map((n) => jobFixture(n));
      const world = digestWorld({ 'record-robot-1-digest': ['retryable'] }, 2);
      await run(
        world,
        jobs.map((job) => message(job)),
      );
      const [failed] = digestRecords(world);
      expect(failed).toMatchObject({ status: 'failed', members: jobs.map((job) => job.recordId) });
      expect(failed.errmsg).toContain('its 3 pushes went on without it');
      for (const job of jobs) {
        const record = world.records.get(job.recordId);
        expect(record).toMatchObject({ status: 'queued', attempts: 1, digestId: failed.id });
        expect(record?.attemptLog).toEqual([expect.objectContaining({ digestId: failed.id, errmsg: 'answer retryable' })]);
      }
      await world.ports.sleep(world.cameBack[0].at - world.now());
      await run(
        world,
        jobs.map((job) => message(job)),
      );
      const sent = digestRecords(world).find((record) => record.status === 'sent');
      for (const job of jobs) expect(world.records.get(job.recordId)).toMatchObject({ status: 'sent', attempts: 2, digestId: sent?.id });
    });

    it('a digest whose worker died after the POST: its pushes are uncertain (the group may show them) and go again; its record says so', async () => {
      const jobs = [1, 2, 3].map((n) => jobFixture(n));
      const world = digestWorld({}, 2);
      const start = world.now();
      const lostDigest = 'digest-lost';
      world.windows.set('robot-1', {
        sends: [start - 60_000],
        cooldownUntil: 0,
        inFlight: { recordId: lostDigest, attempt: 1, at: start - 60_000, members: jobs.map((job) => job.recordId) },
      });
      world.records.set(lostDigest, { ...newQueuedRecord({ ...jobFixtureRecord(lostDigest) }), members: jobs.map((job) => job.recordId) });
      await run(
        world,
        jobs.map((job) => message(job)),
      );
      expect(world.records.get(lostDigest)).toMatchObject({ status: 'failed' });
      for (const job of jobs)
        expect(world.records.get(job.recordId)).toMatchObject({ status: 'queued', uncertain: 1, attempts: 1, digestId: lostDigest });
      expect(world.sent).toEqual([]);
      // sent again, together, in a new digest
      await world.ports.sleep(world.cameBack[0].at - world.now());
      await run(
        world,
        jobs.map((job) => message(job)),
      );
      expect(world.sent).toHaveLength(1);
      for (const job of jobs) expect(world.records.get(job.recordId)).toMatchObject({ status: 'sent', uncertain: 1, attempts: 2 });
    });
  });

  describe('quiet hours', () => {
    // the fake clock starts at 1,000,000 ms: 00:16:40 UTC on 1 January 1970, inside 00:00-01:00 UTC
    const quietHours = { from: '00:00', to: '01:00', timeZone: 'UTC' };
    const quietEnd = 3_600_000;
    const releaseMessage = (robotId = 'robot-1'): QueueMessage => ({
      messageId: `release-${robotId}`,
      receiptHandle: `handle-release-${robotId}`,
      body: JSON.stringify({ kind: 'release', robotId }),
      groupId: robotId,
    });

    it('holds pushes inside the hours and sends an urgent one at once; after them the held go first, in order, as one digest', async () => {
      const world = fakeWorld();
      world.robots.set('robot-1', robotFixture({ quietHours, digest: { enabled: true } }));
      const quiet = [1, 2, 3].map((n) => jobFixture(n));
      for (const job of quiet) world.heldJobs.set(job.recordId, job);
      const urgent = { ...jobFixture(4), report: { ...jobFixture(4).report, urgent: true } };
      await run(
        world,
        [...quiet, urgent].map((job) => message(job)),
      );
      expect(world.sent.map(({ recordId }) => recordId)).toEqual([urgent.recordId]);
      for (const job of quiet)
        expect(world.records.get(job.recordId)).toMatchObject({ status: 'held', heldUntil: new Date(quietEnd).toISOString() });
      expect(world.windows.get('robot-1')?.heldUntil).toBe(quietEnd);
      expect(world.cameBack).toEqual([]);

      // after the hours: a push queued behind the release waits for the held ones
      await world.ports.sleep(quietEnd - world.now());
      const later = jobFixture(5);
      await run(world, [releaseMessage(), message(later)]);
      expect(world.messages.slice(1)).toEqual([
        {
          msgtype: 'markdown',
          markdown: {
            title: '3 条推送 · 3 pushes',
            text: '#### 3 条推送 · 3 pushes\n\n- Report Sales: 1\n- Report Sales: 2\n- Report Sales: 3',
          },
        },
        { msgtype: 'text', text: { content: 'Report Sales: 5' } },
      ]);
      for (const job of quiet) expect(world.records.get(job.recordId)).toMatchObject({ status: 'sent' });
      expect(world.windows.get('robot-1')?.heldUntil).toBeUndefined();
    });

    it('a push after the hours joins the held ones until they are released, and asks for the release', async () => {
      const world = fakeWorld();
      world.robots.set('robot-1', robotFixture({ quietHours }));
      const held = jobFixture(1);
      world.heldJobs.set(held.recordId, held);
      await run(world, [message(held)]);
      await world.ports.sleep(quietEnd - world.now());
      const after = jobFixture(2);
      world.heldJobs.set(after.recordId, after);
      await run(world, [message(after)]);
      expect(world.sent).toEqual([]);
      expect(world.records.get(after.recordId)).toMatchObject({ status: 'held' });
      expect(world.releases).toEqual(['robot-1']);
      await run(world, [releaseMessage()]);
      expect(world.sent.map(({ recordId }) => recordId)).toEqual([held.recordId, after.recordId]);
    });

    it('a release that the status index tells of a push already sent (it lags) sends nothing and clears the hold', async () => {
      const world = fakeWorld();
      world.robots.set('robot-1', robotFixture({ quietHours }));
      const held = jobFixture(1);
      world.heldJobs.set(held.recordId, held);
      await run(world, [message(held)]);
      await world.ports.sleep(quietEnd - world.now());
      await run(world, [releaseMessage()]);
      expect(world.sent).toHaveLength(1);
      // the index still lists it
      world.ports.readHeld = async () => [held];
      await run(world, [releaseMessage()]);
      expect(world.sent).toHaveLength(1);
      expect(world.windows.get('robot-1')?.heldUntil).toBeUndefined();
    });

    it('a release that finds the robot quiet again leaves its pushes held until the new end', async () => {
      const world = fakeWorld();
      world.robots.set('robot-1', robotFixture({ quietHours }));
      const held = jobFixture(1);
      world.heldJobs.set(held.recordId, held);
      await run(world, [message(held)]);
      await run(world, [releaseMessage()]);
      expect(world.sent).toEqual([]);
      expect(world.records.get(held.recordId)).toMatchObject({ status: 'held' });
      expect(world.windows.get('robot-1')?.heldUntil).toBe(quietEnd);
    });
  });
});
