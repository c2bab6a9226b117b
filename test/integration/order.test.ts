// A robot's pushes reach its group in publish order, through retries and timeouts, because the queue hands a
// robot's message group to one worker at a time; another robot's pushes do not wait for them.
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { compareWithRecords } from '../support/groupView';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

// read by the service modules at load (they load lazily, after this): a short inline wait, so jobs past the
// window's 20 also go back to the queue until their slot
process.env.PUSH_INLINE_WAIT_MS = '500';

async function robotFor(reportId: string, rateLimit: { messages: number; windowMs: number } | null) {
  const registered = await simulator.registerRobot({ rateLimit });
  const template = await api('POST', '/templates', { body: { name: `Order ${randomUUID()}`, msgType: 'text', text: '#{{data.n}}' } });
  const robot = await api('POST', '/robots', {
    body: { name: `Order ${registered.token}`, webhookUrl: registered.webhookUrl, templateId: template.body.id, reports: [reportId] },
  });
  return { token: registered.token, id: robot.body.id as string };
}

const publish = async (reportId: string, n: number) => {
  const response = await api('POST', '/events/report-ready', {
    token: publisherToken,
    body: { eventId: randomUUID(), reportId, reportName: 'Order', data: { n } },
  });
  expect(response.status).toBe(202);
  return response.body.eventId as string;
};

it("30 pushes to one robot under 20 per 2 s arrive in publish order through 5xx and timeouts; another robot's are not held back", async () => {
  const worker = startWorker({ concurrency: 4 });
  try {
    const busy = await robotFor(`busy-${randomUUID()}`, { messages: 20, windowMs: 2000 });
    const other = await robotFor(`other-${randomUUID()}`, null);
    // the first push meets a 5xx, then a timeout (DingTalk took it; the answer came too late), and then
    // one request in ten fails
    await simulator.setFaults(busy.token, { next: ['http5xx', 'slow'], rates: { http5xx: 0.1 } });
    const busyReport = (await api('GET', `/robots/${busy.id}`)).body.reports[0];
    const otherReport = (await api('GET', `/robots/${other.id}`)).body.reports[0];
    const busyEvents: string[] = [];
    for (let n = 0; n < 30; n++) busyEvents.push(await publish(busyReport, n));
    const firstEvent = busyEvents[0];
    for (let n = 0; n < 5; n++) await publish(otherReport, n);

    const busyRecords = await waitFor(
      () => api('GET', `/push-records?robotId=${busy.id}&limit=100`),
      (page) => page.body.items.length === 30 && page.body.items.every((item: { status: string }) => item.status === 'sent'),
      { timeoutMs: 90_000, intervalMs: 250, what: '30 pushes of the busy robot sent' },
    );
    const received = (await simulator.messages(busy.token)).map((message) => (message.body.text as { content: string }).content);
    // in publish order; the timeout's push was taken by DingTalk and sent again, so it shows twice, in a row
    expect(received.filter((content, index) => content !== received[index - 1])).toEqual(Array.from({ length: 30 }, (_, n) => `#${n}`));
    const items = busyRecords.body.items as { id: string; eventId: string; status: string; uncertain?: number }[];
    const seen = compareWithRecords(
      items,
      (record) => received.filter((content) => content === `#${busyEvents.indexOf(record.eventId)}`).length,
    );
    expect(seen).toMatchObject({ missing: [], unexplained: [] });
    expect(seen.duplicated).toContain(items.find((item) => item.eventId === firstEvent)?.id);
    const requests = await simulator.requests(busy.token);
    expect(requests.filter((request) => request.errcode === 130101)).toEqual([]);
    // the retries happened: more requests than messages
    expect(requests.length).toBeGreaterThan(30);

    // the other robot's five arrived while the busy robot's first push was still being retried
    const otherMessages = await waitFor(
      () => simulator.messages(other.token),
      (messages) => messages.length === 5,
      { what: "the other robot's 5 messages" },
    );
    const firstRecord = (await api('GET', `/push-records?eventId=${firstEvent}`)).body.items[0];
    expect(firstRecord).toMatchObject({ status: 'sent', uncertain: 1 });
    expect(firstRecord.attempts).toBeGreaterThanOrEqual(3);
    expect(Math.max(...otherMessages.map((message) => message.at))).toBeLessThan(Date.parse(firstRecord.sentAt));
  } finally {
    await worker.stop();
  }
}, 120_000);
