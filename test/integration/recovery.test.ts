import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { api } from '../support/api';
import { localSqsClient } from '../support/localQueue';
import { publisherToken } from '../support/environment';
import { simulator, type TestRobotSettings } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

async function setup(reportPrefix: string, text = 'hello {{reportName}}', settings: TestRobotSettings = {}) {
  const template = (await api('POST', '/templates', { body: { name: `T ${randomUUID()}`, msgType: 'text', text } })).body;
  const registered = await simulator.registerRobot(settings);
  const reportId = `${reportPrefix}-${randomUUID()}`;
  const robot = (
    await api('POST', '/robots', {
      body: { name: `R ${registered.token}`, webhookUrl: registered.webhookUrl, templateId: template.id, reports: [reportId] },
    })
  ).body;
  return { template, robot, reportId, token: registered.token };
}

const publish = (reportId: string) =>
  api('POST', '/events/report-ready', { token: publisherToken, body: { eventId: randomUUID(), reportId, reportName: 'Ops' } });
const recordOf = async (eventId: string) => (await api('GET', `/push-records?eventId=${eventId}`)).body.items[0];
/** The id the worker gives the record of an event's push to a robot (loaded late: the service reads its configuration at load). */
const pushRecordId = (eventId: string, robotId: string): string =>
  (require('../../lib/events/publishReportReady') as typeof import('../../lib/events/publishReportReady')).pushRecordId(eventId, robotId);

const sendWindowOf = async (robotId: string) =>
  (
    await (require('../../lib/store/deliveryInputs') as typeof import('../../lib/store/deliveryInputs')).readDeliveryInputs([
      { robotId, recordId: 'none' },
    ])
  ).windows.get(robotId);

describe('recovery', () => {
  describe.each(['resend', 'hold'] as const)('a worker killed (SIGKILL) right after its POST, before the record, under %s', (policy) => {
    it(
      policy === 'resend'
        ? 'marks the attempt uncertain and sends the push again: the group shows it twice, and the record says why'
        : 'marks the attempt uncertain and holds the push unconfirmed: shown once',
      async () => {
        // DingTalk takes the message and answers late: the worker is killed while it waits for the answer
        const { robot, reportId, token } = await setup(`kill-${policy}`, 'hello', { slowMs: 60_000 });
        await api('PATCH', `/robots/${robot.id}`, { body: { onUncertain: policy } });
        await simulator.setFaults(token, { next: ['slow'] });
        const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'support', 'workerProcessMain.ts')], {
          env: { ...process.env, WEBHOOK_TIMEOUT_MS: '5000' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        try {
          const published = await publish(reportId);
          await waitFor(
            () => simulator.requests(token),
            (requests) => requests.length === 1 && requests[0].pending,
            { timeoutMs: 20_000, intervalMs: 20, what: 'request in flight' },
          );
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('exit', resolve));
          // the group has the message; the record knows nothing yet; the window has the slot and the attempt as started
          expect(await simulator.messages(token)).toHaveLength(1);
          expect(await recordOf(published.body.eventId)).toBeUndefined();
          const window = await sendWindowOf(robot.id);
          expect(window?.sends).toHaveLength(1);
          expect(window?.inFlight).toMatchObject({ recordId: pushRecordId(published.body.eventId, robot.id), attempt: 1 });

          const worker = startWorker();
          try {
            // the message (and with it the robot's group) comes back after its visibility timeout
            const final = policy === 'resend' ? 'sent' : 'unconfirmed';
            const record = await waitFor(
              () => recordOf(published.body.eventId),
              (r) => r?.status === final,
              { timeoutMs: 45_000, what: `record ${final} after the crash` },
            );
            expect(record).toMatchObject({ uncertain: 1 });
            const detail = await api('GET', `/push-records/${record.id}`);
            expect(detail.body.attemptLog[0]).toMatchObject({
              result: 'uncertain',
              errmsg: expect.stringMatching(/worker stopped after sending/),
            });
            expect(detail.body.content).toEqual({ msgtype: 'text', text: { content: 'hello' } });
            if (policy === 'resend') expect(detail.body.attemptLog[1]).toMatchObject({ result: 'answered', errcode: 0 });
            else expect(detail.body.attemptLog).toHaveLength(1);
          } finally {
            await worker.stop();
          }
          expect(await simulator.messages(token)).toHaveLength(policy === 'resend' ? 2 : 1);
        } finally {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      },
      90_000,
    );
  });

  describe('with a worker running', () => {
    let worker: ReturnType<typeof startWorker>;
    beforeAll(() => {
      worker = startWorker();
    });
    afterAll(() => worker.stop());

    it('a 130101 from DingTalk cools the robot down and the push is retried, not failed', async () => {
      const { robot, reportId, token } = await setup('throttle');
      await simulator.setFaults(token, { next: ['throttle'] });
      const published = await publish(reportId);
      const record = await waitFor(
        () => recordOf(published.body.eventId),
        (r) => r?.status === 'sent',
        { timeoutMs: 30_000, what: 'sent after throttle' },
      );
      expect(record.attempts).toBe(2);
      const detail = await api('GET', `/push-records/${record.id}`);
      expect(detail.body.attemptLog[0]).toMatchObject({ errcode: 130101 });
      // the retry waited for the cooldown (2 s in tests)
      expect(Date.parse(detail.body.attemptLog[1].at) - Date.parse(detail.body.attemptLog[0].at)).toBeGreaterThanOrEqual(2000);
      expect((await api('GET', `/robots/${robot.id}`)).body.enabled).toBe(true);
    });

    it('POST /robots/{id}/test sends one message now and returns its record', async () => {
      const { robot, token } = await setup('test-message', 'Test for {{reportName}}: {{data.note}}');
      const response = await api('POST', `/robots/${robot.id}/test`, { body: { data: { note: 'hi' } } });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'sent',
        robotId: robot.id,
        content: { msgtype: 'text', text: { content: 'Test for Test message: hi' } },
      });
      const messages = await simulator.messages(token);
      expect(messages.map((m) => m.body)).toEqual([response.body.content]);
    });

    it('resend queues a new record linked to the original and delivers it again', async () => {
      const { reportId, token } = await setup('resend');
      const published = await publish(reportId);
      const original = await waitFor(
        () => recordOf(published.body.eventId),
        (r) => r?.status === 'sent',
        { what: 'original sent' },
      );
      const resent = await api('POST', `/push-records/${original.id}/resend`);
      expect(resent.status).toBe(202);
      expect(resent.body).toMatchObject({ resendOf: original.id, status: 'queued' });
      const copy = await waitFor(
        async () => (await api('GET', `/push-records/${resent.body.id}`)).body,
        (r) => r.status === 'sent',
        { what: 'resent record sent' },
      );
      expect(copy.resendOf).toBe(original.id);
      expect(await simulator.messages(token)).toHaveLength(2);
      expect((await api('POST', '/push-records/nope/resend')).status).toBe(404);
    });

    it('brings 50 failed records back with one bulk resend, in their order, and a second call resends nothing', async () => {
      // the robot asks for a keyword its template lacks: every push fails before it is sent
      const template = (await api('POST', '/templates', { body: { name: `Bulk ${randomUUID()}`, msgType: 'text', text: '#{{data.n}}' } }))
        .body;
      const registered = await simulator.registerRobot({ rateLimit: null });
      const reportId = `bulk-${randomUUID()}`;
      const robot = (
        await api('POST', '/robots', {
          body: {
            name: `Bulk ${registered.token}`,
            webhookUrl: registered.webhookUrl,
            templateId: template.id,
            reports: [reportId],
            keywords: ['KPI'],
          },
        })
      ).body;
      for (let n = 0; n < 50; n++)
        await api('POST', '/events/report-ready', {
          token: publisherToken,
          body: { eventId: randomUUID(), reportId, reportName: 'Bulk', data: { n } },
        });
      await waitFor(
        () => api('GET', `/push-records?robotId=${robot.id}&status=failed&limit=100`),
        (page) => page.body.items.length === 50,
        { timeoutMs: 30_000, what: '50 failed records' },
      );
      expect(
        (await api('PUT', `/templates/${template.id}`, { body: { name: template.name, msgType: 'text', text: 'KPI #{{data.n}}' } })).status,
      ).toBe(200);

      expect((await api('POST', '/push-records/resend', { body: { status: 'sent' } })).status).toBe(400);
      const bulk = await api('POST', '/push-records/resend', { body: { status: 'failed', robotId: robot.id } });
      expect(bulk.status).toBe(202);
      expect(bulk.body.resent).toHaveLength(50);
      expect(bulk.body.nextCursor).toBeNull();
      const sent = await waitFor(
        () => api('GET', `/push-records?robotId=${robot.id}&status=sent&limit=100`),
        (page) => page.body.items.length === 50,
        { timeoutMs: 30_000, what: '50 resent records sent' },
      );
      const originals = new Set(bulk.body.resent.map((entry: { resendOf: string }) => entry.resendOf));
      expect(new Set(sent.body.items.map((item: { resendOf: string }) => item.resendOf))).toEqual(originals);
      // the group got them in the order of the originals
      expect((await simulator.messages(registered.token)).map((message) => (message.body.text as { content: string }).content)).toEqual(
        Array.from({ length: 50 }, (_, n) => `KPI #${n}`),
      );
      // each original names its resend, and is not resent again
      const original = await api('GET', `/push-records/${bulk.body.resent[0].resendOf}`);
      expect(original.body).toMatchObject({ status: 'failed', resentAs: bulk.body.resent[0].id });
      expect((await api('POST', '/push-records/resend', { body: { status: 'failed', robotId: robot.id } })).body).toEqual({
        resent: [],
        nextCursor: null,
      });
    }, 60_000);

    it('bulk resend leaves out the records of a robot deleted since; a single resend of one is a 404', async () => {
      const template = (await api('POST', '/templates', { body: { name: `Gone ${randomUUID()}`, msgType: 'text', text: 'no keyword' } }))
        .body;
      const registered = await simulator.registerRobot();
      const reportId = `gone-${randomUUID()}`;
      const robot = (
        await api('POST', '/robots', {
          body: {
            name: `Gone ${registered.token}`,
            webhookUrl: registered.webhookUrl,
            templateId: template.id,
            reports: [reportId],
            keywords: ['KPI'],
          },
        })
      ).body;
      const published = await publish(reportId);
      const failed = await waitFor(
        () => recordOf(published.body.eventId),
        (r) => r?.status === 'failed',
        { what: 'a failed record' },
      );
      expect((await api('DELETE', `/robots/${robot.id}`)).status).toBe(204);
      const bulk = await api('POST', '/push-records/resend', { body: { status: 'failed', robotId: robot.id } });
      expect(bulk).toMatchObject({ status: 202, body: { resent: [], nextCursor: null } });
      const single = await api('POST', `/push-records/${failed.id}/resend`);
      expect(single.status).toBe(404);
      expect(single.body.error.message).toContain(robot.id);
    });
  });

  it('delivers the good message of a batch and parks the bad one in the dead-letter queue', async () => {
    const { robot, reportId } = await setup('batch');
    const published = await publish(reportId);
    // the worker creates the record with its first write: the job names it
    const goodJob = JSON.stringify({
      recordId: pushRecordId(published.body.eventId, robot.id),
      robotId: robot.id,
      report: { eventId: published.body.eventId, reportId, reportName: 'Ops' },
    });
    const { handler } = require('../../functions/worker') as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
    const event = {
      Records: [
        { messageId: 'good', body: goodJob },
        { messageId: 'poison', body: '{"recordId": 1}' },
      ],
    } as unknown as SQSEvent;
    const response = await handler(event, {} as Context);
    // the poison message is parked in the dead-letter queue by the worker, so nothing is left to fail
    expect(response.batchItemFailures).toEqual([]);
    expect((await recordOf(published.body.eventId)).status).toBe('sent');
  });
});

describe('the sweeper', () => {
  it('puts the job of a record left queued (its message lost) back on the queue', async () => {
    const { robot, reportId, token } = await setup('sweep');
    // a record written queued whose message then vanished (a resend whose enqueue failed, a purged
    // queue): nothing is running, purge the queue, leave the record
    const published = await publish(reportId);
    const { PurgeQueueCommand } = await import('@aws-sdk/client-sqs');
    const sqs = localSqsClient();
    await sqs.send(new PurgeQueueCommand({ QueueUrl: process.env.PUSH_QUEUE_URL }));
    sqs.destroy();
    const { recordsStore } = require('../../lib/store/recordsStore') as typeof import('../../lib/store/recordsStore');
    const { newQueuedRecord } = require('../../lib/domain/pushRecord') as typeof import('../../lib/domain/pushRecord');
    const eventId = published.body.eventId;
    await recordsStore.putMany([
      newQueuedRecord({
        id: pushRecordId(eventId, robot.id),
        workspaceId: 'default',
        eventId,
        reportId,
        reportName: 'Ops',
        robotId: robot.id,
        robotName: robot.name,
        templateId: robot.templateId,
        templateName: 'Ops',
      }),
    ]);
    const { requeueUnfinishedRecords } =
      require('../../lib/delivery/requeueUnfinished') as typeof import('../../lib/delivery/requeueUnfinished');
    expect(await requeueUnfinishedRecords(60_000)).toBe(0); // too fresh to be stale
    expect(await requeueUnfinishedRecords(0)).toBeGreaterThanOrEqual(1);
    const worker = startWorker();
    try {
      await waitFor(
        () => recordOf(published.body.eventId),
        (r) => r.status === 'sent',
        { what: 'swept record sent' },
      );
    } finally {
      await worker.stop();
    }
    expect(await simulator.messages(token)).toHaveLength(1);
  });

  it('answers 409 while an event is still being queued, and resumes a fan-out that crashed', async () => {
    const { robot, reportId, token } = await setup('resume');
    const eventId = randomUUID();
    // a fan-out that died after claiming the event: the event item alone, long ago
    const { eventsStore } = require('../../lib/store/eventsStore') as typeof import('../../lib/store/eventsStore');
    await eventsStore.begin('default', { eventId, reportId, reportName: 'Ops' });
    const inFlight = await api('POST', '/events/report-ready', { token: publisherToken, body: { eventId, reportId, reportName: 'Ops' } });
    expect(inFlight.status).toBe(409);
    expect(inFlight.body.error.message).toMatch(/still being queued/);

    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient, UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: process.env.DYNAMODB_ENDPOINT,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    await client.send(
      new UpdateCommand({
        TableName: process.env.TABLE_NAME,
        Key: { pk: `EVENT#default#${eventId}`, sk: 'EVENT' },
        UpdateExpression: 'SET startedAt = :long_ago',
        ExpressionAttributeValues: { ':long_ago': Date.now() - 120_000 },
      }),
    );
    client.destroy();
    const resumed = await api('POST', '/events/report-ready', { token: publisherToken, body: { eventId, reportId, reportName: 'Ops' } });
    expect(resumed.status).toBe(202);
    expect(resumed.body).toEqual({ eventId, jobs: 1, duplicate: true });
    const worker = startWorker();
    try {
      const record = await waitFor(
        () => recordOf(eventId),
        (r) => r?.status === 'sent',
        { what: 'resumed push sent' },
      );
      expect(record.robotId).toBe(robot.id);
    } finally {
      await worker.stop();
    }
    expect(await simulator.messages(token)).toHaveLength(1);
    expect(
      (await api('POST', '/events/report-ready', { token: publisherToken, body: { eventId, reportId, reportName: 'Ops' } })).body,
    ).toEqual({ eventId, jobs: 1, duplicate: true });
  });
});
