import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createHmac } from 'node:crypto';
import { api } from '../support/api';
import { localSqsClient } from '../support/localQueue';
import { publisherToken } from '../support/environment';
import { simulator, type TestRobotSettings } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

// read by the service modules at load (they load lazily, after this): a short retry window, so giving up is seen within a test
process.env.PUSH_RETRY_WINDOW = '12s';

const sqs = localSqsClient();
let worker: ReturnType<typeof startWorker>;

beforeAll(() => {
  worker = startWorker();
});
afterAll(async () => {
  await worker.stop();
  sqs.destroy();
});

async function template(body: Record<string, unknown>) {
  const response = await api('POST', '/templates', { body: { name: `T ${randomUUID()}`, ...body } });
  expect(response.status).toBe(201);
  return response.body;
}

async function robot(templateId: string, settings: TestRobotSettings = {}, fields: Record<string, unknown> = {}) {
  const registered = await simulator.registerRobot(settings);
  const response = await api('POST', '/robots', {
    body: {
      name: `R ${registered.token.slice(-10)}`,
      webhookUrl: registered.webhookUrl,
      templateId,
      ...(settings.secret && { secret: settings.secret }),
      ...fields,
    },
  });
  expect(response.status).toBe(201);
  return { ...registered, id: response.body.id as string };
}

async function publish(event: Record<string, unknown>) {
  return api('POST', '/events/report-ready', {
    token: publisherToken,
    body: { eventId: randomUUID(), reportName: 'Daily sales', ...event },
  });
}

async function recordsOfEvent(eventId: string) {
  return (await api('GET', `/push-records?eventId=${eventId}&limit=100`)).body.items as {
    id: string;
    status: string;
    robotId: string;
    errcode?: number;
    errmsg?: string;
    attempts: number;
    uncertain?: number;
  }[];
}

async function settled(eventId: string, count: number, timeoutMs = 20_000) {
  return waitFor(
    () => recordsOfEvent(eventId),
    (items) => items.length === count && items.every((item) => ['sent', 'failed', 'skipped'].includes(item.status)),
    { timeoutMs, what: `event ${eventId} settled` },
  );
}

describe('delivery pipeline', () => {
  it('delivers every msgType, signed, and records the exact body sent and the template version used', async () => {
    const secret = `SEC${randomUUID().replace(/-/g, '')}`;
    const templates = await Promise.all([
      template({ msgType: 'text', text: '{{reportName}}: {{data.total}}' }),
      template({
        msgType: 'markdown',
        title: '{{reportName}}',
        text: '### {{reportName}}\n{{#data.rows}}- {{name}}: {{value}}\n{{/data.rows}}',
      }),
      template({
        msgType: 'link',
        title: '{{reportName}}',
        text: 'Open it',
        messageUrl: '{{{url}}}',
        picUrl: 'https://img.example/{{reportId}}.png',
      }),
      template({ msgType: 'actionCard', title: '{{reportName}}', text: 'Ready', buttons: [{ title: 'Open', url: '{{{url}}}' }] }),
      template({
        msgType: 'actionCard',
        title: '{{reportName}}',
        text: 'Ready',
        btnOrientation: '1',
        buttons: [
          { title: 'Open', url: '{{{url}}}' },
          { title: 'Share', url: 'https://bi.example/share' },
        ],
      }),
      template({ msgType: 'feedCard', links: [{ title: '{{reportName}}', messageUrl: '{{{url}}}', picUrl: 'https://img.example/a.png' }] }),
    ]);
    const reportId = `sales-${randomUUID()}`;
    const robots = await Promise.all(templates.map((t) => robot(t.id, { secret }, { reports: [reportId] })));
    const event = {
      reportId,
      url: 'https://bi.example/r?id=1&tab=2',
      data: {
        total: '¥3,200',
        rows: [
          { name: 'North', value: 1 },
          { name: 'South', value: 2 },
        ],
      },
    };
    const published = await publish(event);
    expect(published.status).toBe(202);
    expect(published.body).toMatchObject({ jobs: 6, duplicate: false });

    const records = await settled(published.body.eventId, 6);
    expect(records.map((r) => r.status)).toEqual(Array(6).fill('sent'));

    const expectedBodies = [
      { msgtype: 'text', text: { content: 'Daily sales: ¥3,200' } },
      { msgtype: 'markdown', markdown: { title: 'Daily sales', text: '### Daily sales\n- North: 1\n- South: 2\n' } },
      {
        msgtype: 'link',
        link: { title: 'Daily sales', text: 'Open it', messageUrl: event.url, picUrl: `https://img.example/${reportId}.png` },
      },
      { msgtype: 'actionCard', actionCard: { title: 'Daily sales', text: 'Ready', singleTitle: 'Open', singleURL: event.url } },
      {
        msgtype: 'actionCard',
        actionCard: {
          title: 'Daily sales',
          text: 'Ready',
          btnOrientation: '1',
          btns: [
            { title: 'Open', actionURL: event.url },
            { title: 'Share', actionURL: 'https://bi.example/share' },
          ],
        },
      },
      { msgtype: 'feedCard', feedCard: { links: [{ title: 'Daily sales', messageURL: event.url, picURL: 'https://img.example/a.png' }] } },
    ];
    for (const [index, r] of robots.entries()) {
      const received = await simulator.messages(r.token);
      expect(received).toHaveLength(1);
      const record = records.find((item) => item.robotId === r.id)!;
      // only the fields DingTalk documents: it has no idempotency key
      expect(received[0].body).toEqual(expectedBodies[index]);
      const detail = await api('GET', `/push-records/${record.id}`);
      expect(detail.body.content).toEqual(received[0].body);
      // byte for byte: the same text, keys in the order DingTalk received them
      expect(JSON.stringify(detail.body.content)).toBe(received[0].raw);
      expect(detail.body.contentBytes).toBe(Buffer.byteLength(received[0].raw));
      expect(detail.body.template).toMatchObject({ id: templates[index].id, version: 1, msgType: templates[index].msgType });
      expect(detail.body.attemptLog).toHaveLength(1);
      expect(detail.body.attemptLog[0]).toMatchObject({ result: 'answered', httpStatus: 200, errcode: 0 });
      expect(detail.body.uncertain).toBeUndefined();
      expect(detail.body.sentAt).toEqual(expect.any(String));
      // the simulator verified the signature; check the URL carried one
      const requests = await simulator.requests(r.token);
      expect(requests[0].errcode).toBe(0);
    }
  });

  it('is idempotent on eventId, and refuses the eventId reused for a different payload', async () => {
    const t = await template({ msgType: 'text', text: 'hi {{reportName}}' });
    const reportId = `dup-${randomUUID()}`;
    const r = await robot(t.id, {}, { reports: [reportId] });
    const eventId = randomUUID();
    const first = await publish({ eventId, reportId });
    const second = await publish({ eventId, reportId });
    expect(first.body).toEqual({ eventId, jobs: 1, duplicate: false });
    expect(second.body).toEqual({ eventId, jobs: 1, duplicate: true });
    // the same event with its fields in another order is the same event
    const reordered = await api('POST', '/events/report-ready', {
      token: publisherToken,
      body: { reportId, reportName: 'Daily sales', eventId },
    });
    expect(reordered.body).toEqual({ eventId, jobs: 1, duplicate: true });
    // the same eventId for a different report is refused, naming it, and queues nothing
    const reused = await publish({ eventId, reportId, data: { total: 1 } });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({
      code: 'EventIdReused',
      message: expect.stringContaining(eventId),
      details: [{ path: '/eventId', message: expect.any(String) }],
    });
    await settled(eventId, 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await simulator.messages(r.token)).toHaveLength(1);
  });

  it('fans out only to enabled robots subscribed to the report (or exactly the robotIds given)', async () => {
    const t = await template({ msgType: 'text', text: 'hi' });
    const reportId = `fan-${randomUUID()}`;
    const subscribed = await robot(t.id, {}, { reports: [reportId] });
    const everything = await robot(t.id, {}, { reports: ['*'] });
    const disabled = await robot(t.id, {}, { reports: [reportId], enabled: false });
    const other = await robot(t.id, {}, { reports: ['another-report'] });
    const published = await publish({ reportId });
    const records = await settled(published.body.eventId, published.body.jobs);
    const robotIds = records.map((r) => r.robotId);
    expect(robotIds).toEqual(expect.arrayContaining([subscribed.id, everything.id]));
    expect(robotIds).not.toContain(disabled.id);
    expect(robotIds).not.toContain(other.id);

    const explicit = await publish({ reportId, robotIds: [other.id, disabled.id] });
    expect(explicit.body.jobs).toBe(1);
    const explicitRecords = await settled(explicit.body.eventId, 1);
    expect(explicitRecords[0].robotId).toBe(other.id);

    const unknown = await publish({ reportId, robotIds: ['nope'] });
    expect(unknown.status).toBe(400);
    // other tests count their records exactly: stop receiving every report
    await api('DELETE', `/robots/${everything.id}`);
  });

  it('skips a robot disabled after the event was queued, with the reason', async () => {
    await worker.stop();
    try {
      const t = await template({ msgType: 'text', text: 'hi' });
      const reportId = `skip-${randomUUID()}`;
      const r = await robot(t.id, {}, { reports: [reportId] });
      const published = await publish({ reportId });
      await api('POST', `/robots/${r.id}/disable`);
      worker = startWorker();
      const [record] = await settled(published.body.eventId, 1);
      expect(record.status).toBe('skipped');
      expect(record.errmsg).toMatch(/disabled/);
      expect(await simulator.messages(r.token)).toHaveLength(0);
    } finally {
      worker = worker ?? startWorker();
    }
  });

  it('renders with the template the robot has when it is sent, not the one it had when queued', async () => {
    await worker.stop();
    try {
      const [before, after] = await Promise.all([
        template({ msgType: 'text', text: 'old {{reportName}}' }),
        template({ msgType: 'text', text: 'new {{reportName}}' }),
      ]);
      const reportId = `switch-${randomUUID()}`;
      const r = await robot(before.id, {}, { reports: [reportId] });
      const published = await publish({ reportId });
      expect((await api('PATCH', `/robots/${r.id}`, { body: { templateId: after.id } })).status).toBe(200);
      worker = startWorker();
      const [record] = await settled(published.body.eventId, 1);
      expect(record.status).toBe('sent');
      const [message] = await simulator.messages(r.token);
      expect(message.body).toMatchObject({ msgtype: 'text', text: { content: 'new Daily sales' } });
      const detail = (await api('GET', `/push-records/${record.id}`)).body;
      expect(detail).toMatchObject({ templateId: after.id, templateName: after.name, template: { id: after.id } });
    } finally {
      worker = worker ?? startWorker();
    }
  });

  it('fails at once on permanent errcodes, keeps errcode and errmsg, and disables the robot after 3 in a row', async () => {
    const t = await template({ msgType: 'text', text: 'no keyword here' });
    const reportId = `perm-${randomUUID()}`;
    // keywords known only to DingTalk's side (the simulator): dingpush cannot check them before sending
    const r = await robot(t.id, { keywords: ['ALERT'] }, { reports: [reportId] });
    for (let i = 0; i < 3; i++) {
      const published = await publish({ reportId });
      const [record] = await settled(published.body.eventId, 1);
      expect(record).toMatchObject({ status: 'failed', errcode: 310000, attempts: 1 });
      expect(record.errmsg).toMatch(/keywords/);
    }
    const disabled = await api('GET', `/robots/${r.id}`);
    expect(disabled.body.enabled).toBe(false);
    expect(disabled.body.disabledReason).toMatch(/3 consecutive failed pushes.*310000|keywords/);
    expect(disabled.body.disabledAutomatically).toMatchObject({ failures: 3, errcode: 310000, errmsg: expect.stringMatching(/keywords/) });
    // the service did it, and the audit log says so
    const audited = await api('GET', `/audit-events?targetId=${r.id}&action=robot.auto-disable`);
    expect(audited.body.items).toEqual([
      expect.objectContaining({ actor: { type: 'system' }, changes: expect.objectContaining({ enabled: { before: true, after: false } }) }),
    ]);
    // an admin's disable replaces the reason, and enabling it again forgets why
    expect((await api('POST', `/robots/${r.id}/disable`)).body).toMatchObject({ disabledReason: 'disabled by an admin' });
    expect((await api('GET', `/robots/${r.id}`)).body.disabledAutomatically).toBeUndefined();
    expect((await api('POST', `/robots/${r.id}/enable`)).body.disabledAutomatically).toBeUndefined();
  });

  it('checks size and keywords before calling DingTalk', async () => {
    const t = await template({ msgType: 'text', text: '{{data.blob}}' });
    const reportId = `size-${randomUUID()}`;
    const r = await robot(t.id, { keywords: ['KEY'] }, { reports: [reportId], keywords: ['KEY'] });
    const tooBig = await publish({ reportId, data: { blob: `KEY ${'x'.repeat(21_000)}` } });
    const [big] = await settled(tooBig.body.eventId, 1);
    expect(big.status).toBe('failed');
    expect(big.errmsg).toMatch(/DingTalk accepts at most 20000.*text\.content/);
    const noKeyword = await publish({ reportId, data: { blob: 'nothing' } });
    const [missing] = await settled(noKeyword.body.eventId, 1);
    expect(missing.errmsg).toMatch(/none of the robot's keywords \(KEY\)/);
    expect(await simulator.requests(r.token)).toHaveLength(0);
  });

  it('retries a 5xx and a reset, marks the reset uncertain (the request was written, no answer came), then sends', async () => {
    const t = await template({ msgType: 'text', text: 'retry me' });
    const reportId = `retry-${randomUUID()}`;
    const r = await robot(t.id, {}, { reports: [reportId] });
    await simulator.setFaults(r.token, { next: ['http5xx', 'reset'] });
    const published = await publish({ reportId });
    const [record] = await settled(published.body.eventId, 1, 30_000);
    expect(record).toMatchObject({ status: 'sent', attempts: 3, uncertain: 1 });
    const detail = await api('GET', `/push-records/${record.id}`);
    expect(detail.body.attemptLog).toEqual([
      expect.objectContaining({ result: 'answered', httpStatus: 502 }),
      expect.objectContaining({ result: 'uncertain', errmsg: expect.stringMatching(/no answer came \(ECONNRESET\)/) }),
      expect.objectContaining({ result: 'answered', httpStatus: 200, errcode: 0 }),
    ]);
    // this reset came before the simulator took the message: the group saw it once
    expect(await simulator.messages(r.token)).toHaveLength(1);
  });

  it('a refused connection is not sent (safe to send again), not uncertain', async () => {
    const closed = await import('node:net').then(
      ({ createServer }) =>
        new Promise<number>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => {
            const { port } = server.address() as { port: number };
            server.close(() => resolve(port));
          });
        }),
    );
    const { sendToRobot } = require('../../lib/delivery/webhookClient') as typeof import('../../lib/delivery/webhookClient');
    const { adapterOf } = require('../../lib/channels') as typeof import('../../lib/channels');
    const attempt = await sendToRobot(
      adapterOf('dingtalk'),
      { msgtype: 'text', text: { content: 'x' } },
      { webhookUrl: `http://127.0.0.1:${closed}/robot/send?access_token=x`, timeoutMs: 1000 },
    );
    expect(attempt).toMatchObject({ result: 'not-sent', outcome: 'retryable', errmsg: 'not sent: ECONNREFUSED' });
  });

  it('a timeout whose message DingTalk did take: under resend the group sees it twice and the record says it was uncertain', async () => {
    const t = await template({ msgType: 'text', text: 'slow' });
    const reportId = `slow-${randomUUID()}`;
    const r = await robot(t.id, {}, { reports: [reportId] });
    await simulator.setFaults(r.token, { next: ['slow'] });
    const published = await publish({ reportId });
    const [record] = await settled(published.body.eventId, 1, 30_000);
    expect(record).toMatchObject({ status: 'sent', attempts: 2, uncertain: 1 });
    // DingTalk has no idempotency key: the resend shows it again, and the record is why
    expect(await simulator.messages(r.token)).toHaveLength(2);
  });

  it('under hold, a timeout ends the push unconfirmed, not sent again, and the robot goes on; an admin marks it delivered', async () => {
    const t = await template({ msgType: 'text', text: 'held {{data.n}}' });
    const reportId = `hold-${randomUUID()}`;
    const r = await robot(t.id, {}, { reports: [reportId], onUncertain: 'hold' });
    await simulator.setFaults(r.token, { next: ['slow'] });
    const first = await publish({ reportId, data: { n: 1 } });
    const second = await publish({ reportId, data: { n: 2 } });
    const [held] = await waitFor(
      () => recordsOfEvent(first.body.eventId),
      (items) => items[0]?.status === 'unconfirmed',
      { timeoutMs: 20_000, what: 'first push unconfirmed' },
    );
    expect(held).toMatchObject({ attempts: 1, uncertain: 1 });
    const [next] = await settled(second.body.eventId, 1);
    expect(next.status).toBe('sent');
    expect((await simulator.messages(r.token)).map((m) => m.body.text)).toEqual([{ content: 'held 1' }, { content: 'held 2' }]);
    const confirmed = await api('POST', `/push-records/${held.id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: held.id, status: 'sent', confirmedAt: expect.any(String), uncertain: 1 });
    const again = await api('POST', `/push-records/${held.id}/confirm`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/is sent, not unconfirmed/);
    expect((await api('POST', '/push-records/nope/confirm')).status).toBe(404);
  });

  it('gives up once the retry window has closed: failed record and the job in the DLQ', async () => {
    const t = await template({ msgType: 'text', text: 'doomed' });
    const reportId = `dlq-${randomUUID()}`;
    const r = await robot(t.id, {}, { reports: [reportId] });
    await simulator.setFaults(r.token, { rates: { http5xx: 1 } });
    const published = await publish({ reportId });
    const [record] = await settled(published.body.eventId, 1, 30_000);
    expect(record.status).toBe('failed');
    expect(record.attempts).toBeGreaterThanOrEqual(4);
    expect(record.errmsg).toMatch(/^Gave up after \d+ attempts over the 12 s retry window; last: HTTP 502/);
    const detail = await api('GET', `/push-records/${record.id}`);
    // retries never counted toward the automatic disable
    expect((await api('GET', `/robots/${r.id}`)).body).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    expect(detail.body.nextAttemptAt).toBeUndefined();
    const dlq = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: process.env.PUSH_DLQ_URL, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    const bodies = (dlq.Messages ?? []).map((m) => JSON.parse(m.Body as string));
    expect(bodies.map((b) => b.recordId)).toContain(record.id);
  });

  /** With the worker stopped: one robot, one event for it, and the messages it left on the queue (still visible). */
  async function publishWithWorkerStopped(text: string, reportPrefix: string) {
    await worker.stop();
    const t = await template({ msgType: 'text', text });
    const reportId = `${reportPrefix}-${randomUUID()}`;
    const r = await robot(t.id, {}, { reports: [reportId] });
    const published = await publish({ reportId });
    const queued = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: process.env.PUSH_QUEUE_URL, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    return { r, published, messages: queued.Messages ?? [] };
  }

  it('sends a duplicated job once', async () => {
    const { r, published, messages } = await publishWithWorkerStopped('once', 'twice');
    // duplicate every message on the queue past the queue's deduplication, as SQS at-least-once delivery
    // or a sweeper's requeue after five minutes may
    for (const message of messages) {
      for (const copy of ['a', 'b']) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: process.env.PUSH_QUEUE_URL,
            MessageBody: message.Body as string,
            MessageGroupId: r.id,
            MessageDeduplicationId: `${message.MessageId}-${copy}`,
          }),
        );
      }
    }
    worker = startWorker({ concurrency: 3 });
    await settled(published.body.eventId, 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await simulator.messages(r.token)).toHaveLength(1);
  });

  it('does not send again a message the queue delivers again after its push was sent', async () => {
    const { r, published, messages } = await publishWithWorkerStopped('redelivered', 'redelivered');
    const body = messages.find((message) => message.Body?.includes(published.body.eventId))?.Body as string;
    worker = startWorker();
    await settled(published.body.eventId, 1);
    // loaded late: the service reads its configuration at load
    const { processPushJobs } = require('../../lib/delivery/processPushJobs') as typeof import('../../lib/delivery/processPushJobs');
    const { deliveryPorts, deliveryRules } =
      require('../../lib/delivery/deliveryPorts') as typeof import('../../lib/delivery/deliveryPorts');
    // only the record can tell the copy that its push was sent
    const result = await processPushJobs(
      [{ messageId: 'again', receiptHandle: 'gone', body, groupId: r.id, receiveCount: 2 }],
      deliveryPorts(() => undefined),
      deliveryRules,
      Date.now() + 20_000,
    );
    expect(result.failedMessageIds).toEqual([]);
    expect(await simulator.messages(r.token)).toHaveLength(1);
    const [record] = await settled(published.body.eventId, 1);
    expect(record).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('sends a poison message to the DLQ without blocking the queue', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: process.env.PUSH_QUEUE_URL,
        MessageBody: 'not json at all',
        MessageGroupId: 'poison',
        MessageDeduplicationId: randomUUID(),
      }),
    );
    const t = await template({ msgType: 'text', text: 'after poison' });
    const reportId = `poison-${randomUUID()}`;
    await robot(t.id, {}, { reports: [reportId] });
    const published = await publish({ reportId });
    const [record] = await settled(published.body.eventId, 1);
    expect(record.status).toBe('sent');
    await waitFor(
      async () => {
        const attributes = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: process.env.PUSH_DLQ_URL, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        const dlq = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: process.env.PUSH_DLQ_URL, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
        );
        return { count: attributes.Attributes?.ApproximateNumberOfMessages, bodies: (dlq.Messages ?? []).map((m) => m.Body) };
      },
      (state) => state.bodies.includes('not json at all'),
      { timeoutMs: 30_000, what: 'poison message in the DLQ' },
    );
  });

  it('keeps 100 messages to one robot under a 20-per-2-seconds limit with zero 130101', async () => {
    await worker.stop();
    worker = startWorker({ concurrency: 4 });
    const t = await template({ msgType: 'text', text: '#{{data.n}}' });
    const reportId = `rate-${randomUUID()}`;
    const r = await robot(t.id, { rateLimit: { messages: 20, windowMs: 2000 } }, { reports: [reportId] });
    const started = Date.now();
    const events = await Promise.all(Array.from({ length: 100 }, (_, n) => publish({ reportId, data: { n } })));
    for (const e of events) expect(e.status).toBe(202);
    await waitFor(
      () => simulator.messages(r.token),
      (messages) => messages.length === 100,
      { timeoutMs: 60_000, what: '100 messages' },
    ).catch(async (error) => {
      const records = await api('GET', `/push-records?robotId=${r.id}&limit=100`);
      const counts: Record<string, number> = {};
      for (const item of records.body.items) counts[item.status] = (counts[item.status] ?? 0) + 1;
      const requests = await simulator.requests(r.token);
      throw new Error(
        `${error.message.slice(0, 100)} statuses ${JSON.stringify(counts)} requests ${requests.length} ${JSON.stringify(requests.slice(-3))} ${JSON.stringify(records.body.items.filter((i: any) => i.status !== 'sent').slice(0, 3))}`,
      );
    });
    const requests = await simulator.requests(r.token);
    expect(requests.filter((request) => request.errcode === 130101)).toEqual([]);
    expect(requests).toHaveLength(100);
    // 100 at 20 per 2 s cannot finish before 8 s
    expect(Date.now() - started).toBeGreaterThanOrEqual(8000);
    // a record is written once its attempt's answer is in, a moment after the group has the message
    const records = await waitFor(
      () => api('GET', `/push-records?robotId=${r.id}&limit=100`),
      (response) => response.body.items.length === 100 && response.body.items.every((item: { status: string }) => item.status === 'sent'),
      { what: 'every record sent' },
    );
    expect(records.body.items).toHaveLength(100);
  }, 90_000);

  it('a signature with the wrong secret fails as DingTalk answers 310000', async () => {
    const t = await template({ msgType: 'text', text: 'signed' });
    const reportId = `sign-${randomUUID()}`;
    const registered = await simulator.registerRobot({ secret: 'SECrealsecret000000' });
    const created = await api('POST', '/robots', {
      body: {
        name: `Wrong secret ${registered.token}`,
        webhookUrl: registered.webhookUrl,
        templateId: t.id,
        secret: 'SECwrongsecret00000',
        reports: [reportId],
      },
    });
    const published = await publish({ reportId });
    const [record] = await settled(published.body.eventId, 1);
    expect(record).toMatchObject({ status: 'failed', errcode: 310000, robotId: created.body.id });
    // and the signature format itself matches the protocol
    const ts = 1700000000000;
    expect(createHmac('sha256', 'SECx').update(`${ts}\nSECx`).digest('base64')).toHaveLength(44);
  });
});
