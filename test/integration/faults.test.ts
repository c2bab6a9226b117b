// A fault mix from DingTalk's side: every job ends sent or failed with a reason, none lost or stuck,
// and no message is shown twice. FAULT_JOBS scales it up (npm run soak).
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

const jobs = Number(process.env.FAULT_JOBS ?? 100);
const robotsCount = Math.max(5, Math.round(jobs / 10));

describe('faults from DingTalk', () => {
  it(`${jobs} jobs with 20% 5xx, 10% timeouts, 5% resets, 5% lost answers and 5% 130101: all settle, none twice`, async () => {
    const worker = startWorker({ concurrency: 4 });
    try {
      const template = await api('POST', '/templates', { body: { name: `Faults ${randomUUID()}`, msgType: 'text', text: '#{{data.n}}' } });
      const reportId = `faults-${randomUUID()}`;
      const tokens: string[] = [];
      for (let i = 0; i < robotsCount; i++) {
        const robot = await simulator.registerRobot({ rateLimit: null, slowMs: 2500 });
        await simulator.setFaults(robot.token, { rates: { http5xx: 0.2, slow: 0.1, reset: 0.05, lost: 0.05, throttle: 0.05 } });
        tokens.push(robot.token);
        await api('POST', '/robots', { body: { name: `Faulty ${randomUUID()}`, webhookUrl: robot.webhookUrl, templateId: template.body.id, reports: [reportId] } });
      }
      const events = Math.ceil(jobs / robotsCount);
      const eventIds: string[] = [];
      for (let n = 0; n < events; n++) {
        const response = await api('POST', '/events/report-ready', { token: publisherToken, body: { eventId: randomUUID(), reportId, reportName: 'Faults', data: { n } } });
        expect(response.status).toBe(202);
        eventIds.push(response.body.eventId);
      }
      const settled = async () => {
        const records = [];
        for (const eventId of eventIds) records.push(...(await api('GET', `/push-records?eventId=${eventId}&limit=100`)).body.items);
        return records as { id: string; status: string; errmsg?: string }[];
      };
      const records = await waitFor(settled, (items) => items.length === events * robotsCount && items.every((r) => r.status === 'sent' || r.status === 'failed'), {
        timeoutMs: 150_000,
        intervalMs: 1000,
        what: 'every job sent or failed',
      });
      for (const record of records.filter((r) => r.status === 'failed')) expect(record.errmsg).toMatch(/Gave up after \d attempts/);
      expect(records.filter((r) => r.status === 'sent').length).toBeGreaterThan(records.length / 2);

      // what the groups saw: every sent record exactly once, nothing twice
      const seen = new Map<string, number>();
      for (const token of tokens) for (const message of await simulator.messages(token)) seen.set(message.msgUuid as string, (seen.get(message.msgUuid as string) ?? 0) + 1);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      for (const record of records.filter((r) => r.status === 'sent')) expect(seen.get(record.id)).toBe(1);
    } finally {
      await worker.stop();
    }
  }, 200_000);
});
