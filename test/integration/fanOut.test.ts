// Large fan-outs: past one page of subscribers (20 in the tests) the intake answers at once and the
// workers queue the rest a page (25) at a time. Every subscriber still gets exactly one push, and each
// record is created by the worker that takes its job.
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { api } from '../support/api';
import { localSqsClient } from '../support/localQueue';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

const robotCount = 70;
let templateId: string;

beforeAll(async () => {
  const response = await api('POST', '/templates', {
    body: { name: `Fan-out ${randomUUID()}`, msgType: 'text', text: '{{reportName}} #{{data.n}}' },
  });
  templateId = response.body.id;
});

async function subscribedRobots(reportId: string, count: number) {
  const robots: { id: string; token: string }[] = [];
  for (let i = 0; i < count; i++) {
    const registered = await simulator.registerRobot();
    const response = await api('POST', '/robots', {
      body: { name: `Fan ${reportId} ${i}`, webhookUrl: registered.webhookUrl, templateId, reports: [reportId] },
    });
    expect(response.status).toBe(201);
    robots.push({ id: response.body.id, token: registered.token });
  }
  return robots;
}

async function queuedMessages(): Promise<number> {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const sqs = localSqsClient();
  try {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: process.env.PUSH_QUEUE_URL, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  } finally {
    sqs.destroy();
  }
}

async function recordsOf(eventId: string) {
  const items: { robotId: string; status: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await api('GET', `/push-records?eventId=${eventId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

it('answers a report with many subscribers before its records exist, then delivers one push to each', async () => {
  const reportId = `fan-${randomUUID()}`;
  const robots = await subscribedRobots(reportId, robotCount);
  const disabled = robots[5];
  expect((await api('POST', `/robots/${disabled.id}/disable`)).status).toBe(200);
  const eventId = randomUUID();

  const accepted = await api('POST', '/events/report-ready', {
    token: publisherToken,
    body: { eventId, reportId, reportName: 'Fan-out', data: { n: 1 } },
  });
  expect(accepted.status).toBe(202);
  expect(accepted.body).toEqual({ eventId, jobs: robotCount - 1, duplicate: false });
  // only the intake's own page is queued so far (20 push jobs), plus one job for the workers to queue the rest
  expect(await queuedMessages()).toBe(21);
  expect(await recordsOf(eventId)).toEqual([]);

  const worker = startWorker();
  try {
    const records = await waitFor(
      () => recordsOf(eventId),
      (items) => items.length === robotCount - 1 && items.every((item) => item.status === 'sent'),
      { timeoutMs: 60_000, what: 'every subscriber sent' },
    );
    expect(new Set(records.map((record) => record.robotId))).toEqual(
      new Set(robots.filter((robot) => robot !== disabled).map((robot) => robot.id)),
    );
    for (const robot of robots) expect((await simulator.requests(robot.token)).length).toBe(robot === disabled ? 0 : 1);
    // the same event again: nothing new
    const again = await api('POST', '/events/report-ready', {
      token: publisherToken,
      body: { eventId, reportId, reportName: 'Fan-out', data: { n: 1 } },
    });
    expect(again.body).toEqual({ eventId, jobs: robotCount - 1, duplicate: true });
  } finally {
    await worker.stop();
  }
}, 120_000);

it('queues nothing twice when a fan-out page job is delivered twice', async () => {
  const reportId = `fan-${randomUUID()}`;
  const robots = await subscribedRobots(reportId, 30);
  const eventId = randomUUID();
  const report = { eventId, reportId, reportName: 'Twice', data: { n: 2 } };
  expect((await api('POST', '/events/report-ready', { token: publisherToken, body: report })).body.jobs).toBe(30);
  // SQS delivers at least once: hand the worker the same page job a second time, as a redelivery would
  const { handler } = require('../../functions/worker') as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
  const pageJob = JSON.stringify({ kind: 'fanOut', report, from: { partition: 0, after: await firstPageEnd(reportId) } });
  const worker = startWorker();
  try {
    await waitFor(
      () => recordsOf(eventId),
      (items) => items.length === 30 && items.every((item) => item.status === 'sent'),
      { timeoutMs: 60_000, what: 'all sent' },
    );
    const response = await handler(
      { Records: [{ messageId: 'again', body: pageJob, attributes: {} }] } as unknown as SQSEvent,
      {} as Context,
    );
    expect(response.batchItemFailures).toEqual([]);
    // give a wrongly requeued job time to be sent again, then count what each group saw
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await recordsOf(eventId)).every((item) => item.status === 'sent')).toBe(true);
    for (const robot of robots) expect((await simulator.messages(robot.token)).length).toBe(1);
  } finally {
    await worker.stop();
  }
}, 120_000);

/** The subscription key after the intake's first page (20 robots): where the first page job starts. */
async function firstPageEnd(reportId: string) {
  const { robotsStore } = require('../../lib/store/robotsStore') as typeof import('../../lib/store/robotsStore');
  const page = await robotsStore.subscribersPage('default', reportId, undefined, 20);
  return page.next?.after;
}
