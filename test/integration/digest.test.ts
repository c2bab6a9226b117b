// A storm to one robot with digests on: the pushes that wait are merged, in order, so the group reads the
// backlog in two windows of messages instead of five, with zero 130101 and every push's record sent.
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

// read by the service modules when they load (lazily, after this): a window long enough that publishing
// 100 pushes one by one fits in it on a slow machine
process.env.DINGTALK_RATE_LIMIT = '20/10';

interface RecordSummary {
  id: string;
  eventId: string;
  status: string;
  digestId?: string;
  members?: string[];
}

/** Every record of a robot, all pages. */
async function recordsOf(robotId: string): Promise<RecordSummary[]> {
  const items: RecordSummary[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: RecordSummary[]; nextCursor: string | null } } = await api(
      'GET',
      `/push-records?robotId=${robotId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...(page.body.items as RecordSummary[]));
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/** The pushes a message shows: its own for a push, one per line for a digest. */
const pushesShown = (body: Record<string, { content?: string; text?: string }>) =>
  body.msgtype === ('text' as unknown)
    ? [body.text.content as string]
    : (body.markdown.text as string).split('\n').flatMap((line) => (line.startsWith('- ') ? [line.slice(2)] : []));

it('100 pushes published within one window to one robot reach the group in order within two windows of messages, individual and digests, zero 130101', async () => {
  const worker = startWorker();
  try {
    const registered = await simulator.registerRobot({ rateLimit: { messages: 20, windowMs: 10_000 } });
    const template = await api('POST', '/templates', {
      body: { name: `Digest ${randomUUID()}`, msgType: 'text', text: 'Push {{data.n}}' },
    });
    const reportId = `storm-${randomUUID()}`;
    const robot = await api('POST', '/robots', {
      body: {
        name: `Storm ${registered.token}`,
        webhookUrl: registered.webhookUrl,
        templateId: template.body.id,
        reports: [reportId],
        digest: { enabled: true },
      },
    });
    expect(robot.body.digest).toEqual({ enabled: true });
    const events: string[] = [];
    for (let n = 0; n < 100; n++) {
      const published = await api('POST', '/events/report-ready', {
        token: publisherToken,
        body: { eventId: randomUUID(), reportId, reportName: 'Storm', data: { n } },
      });
      events.push(published.body.eventId);
    }
    const listed = await waitFor(
      () => recordsOf(robot.body.id),
      (records) => {
        const pushes = records.filter((item) => !item.members);
        return pushes.length === 100 && pushes.every((item) => item.status === 'sent');
      },
      { timeoutMs: 60_000, intervalMs: 250, what: '100 pushes sent' },
    );
    const received = await simulator.messages(registered.token);
    expect(received.flatMap((message) => pushesShown(message.body as never))).toEqual(events.map((_, n) => `Push ${n}`));
    expect((await simulator.requests(registered.token)).filter((request) => request.errcode === 130101)).toEqual([]);
    // two windows of slots at most, instead of the five 100 single messages take
    expect(received.length).toBeLessThanOrEqual(40);
    const digests = listed.filter((item) => item.members);
    expect(digests.length).toBeGreaterThan(0);
    expect(digests.every((digest) => digest.status === 'sent')).toBe(true);

    // a digest's record holds the exact message the group got and names its members; each member names it
    const detail = await api('GET', `/push-records/${digests[0].id}`);
    expect(received.map((message) => message.body)).toContainEqual(detail.body.content);
    const pushes = new Map(listed.map((item) => [item.id, item]));
    for (const member of detail.body.members as string[]) expect(pushes.get(member)?.digestId).toBe(digests[0].id);
    expect((await api('POST', `/push-records/${digests[0].id}/resend`)).status).toBe(409);
  } finally {
    await worker.stop();
  }
}, 90_000);
