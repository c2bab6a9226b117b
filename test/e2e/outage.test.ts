// A robot's webhook down for a while under `npm start`: answering 502, or refusing connections (two
// simulators outside the stack, as DingTalk is, each down its own way at the same time). Every push accepted
// during the outage arrives after it, in publish order, none failed, with zero 130101, the backlog drained at
// the robot's rate. OUTAGE_SECONDS scales it: `npm run soak` runs 10 minutes with the real backoff (up to
// 15 minutes between attempts); `npm test` runs it scaled down.
import { randomBytes } from 'node:crypto';
import { startChatSimulator, type ChatSimulator } from '../../scripts/chat-simulator';
import { compareWithRecords } from '../support/groupView';
import { startLocalService, type LocalService } from '../support/localService';
import { waitFor } from '../support/waitFor';

const outageMs = Number(process.env.OUTAGE_SECONDS ?? 20) * 1000;
const fullLength = outageMs >= 300_000;
const pushes = 30;
const limit = { messages: 20, windowMs: 2000 };
// the longest pause between attempts, then the drain: two windows of the robot's limit
const settleMs = (fullLength ? 900_000 : 4000) + 2 * limit.windowMs + 30_000;

let failing: ChatSimulator;
let refusing: ChatSimulator;
let service: LocalService;

beforeAll(async () => {
  [failing, refusing] = await Promise.all(
    [0, 1].map(() => startChatSimulator({ rateLimit: limit, throttleMs: 60_000, autoRegister: true })),
  );
  service = await startLocalService({
    DINGTALK_RATE_LIMIT: `${limit.messages}/${limit.windowMs / 1000}`,
    DINGTALK_ALLOWED_ORIGINS: `${failing.url},${refusing.url}`,
    LOG_LEVEL: 'warn',
    ...(!fullLength && { PUSH_RETRY_BASE_SECONDS: '1', PUSH_RETRY_MAX_SECONDS: '4' }),
  });
}, 240_000);

afterAll(async () => {
  await service?.stop();
  await Promise.all([failing?.close(), refusing?.close()]);
});

async function robotOn(simulator: ChatSimulator, name: string) {
  const token = `${name}${randomBytes(6).toString('hex')}`;
  const template = await service.call('POST', '/templates', { name: `Outage ${token}`, msgType: 'text', text: '#{{data.n}}' });
  const robot = await service.call('POST', '/robots', {
    name: `Outage ${token}`,
    webhookUrl: `${simulator.url}/robot/send?access_token=${token}`,
    templateId: template.body.id,
    reports: [`outage-${token}`],
  });
  expect(robot.status).toBe(201);
  return { token, id: robot.body.id as string, reportId: `outage-${token}` };
}

interface Item {
  id: string;
  eventId: string;
  status: string;
  attempts: number;
  uncertain?: number;
}

it(
  `a webhook answering 502, and one refusing connections, for ${outageMs / 1000} s: every push accepted meanwhile arrives after it, in order, none failed, zero 130101`,
  async () => {
    const down502 = await robotOn(failing, 'fivehundred');
    const downHard = await robotOn(refusing, 'refused');
    failing.robots.set(down502.token, { token: down502.token, faults: { http5xx: 1 } });
    await refusing.refuseConnectionsFor(outageMs);
    const outageStarted = Date.now();

    // the reports keep coming during the outage, spread over it
    for (let n = 0; n < pushes; n++) {
      for (const robot of [down502, downHard]) {
        const accepted = await service.call(
          'POST',
          '/events/report-ready',
          { eventId: `${robot.token}-${n}`, reportId: robot.reportId, reportName: 'Outage', data: { n } },
          service.publisherToken,
        );
        expect(accepted.status).toBe(202);
      }
      const due = outageStarted + ((n + 1) * outageMs * 0.9) / pushes;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageStarted + outageMs - Date.now())));
    failing.robots.set(down502.token, { token: down502.token });
    const recoveredAt = Date.now();
    expect(failing.messagesFor(down502.token)).toEqual([]);
    expect(refusing.messagesFor(downHard.token)).toEqual([]);

    for (const [robot, simulator, how] of [
      [down502, failing, '502'],
      [downHard, refusing, 'refused'],
    ] as const) {
      const records = await waitFor(
        () => service.call('GET', `/push-records?robotId=${robot.id}&limit=100`),
        (page) => page.body.items.length === pushes && page.body.items.every((item: Item) => item.status !== 'queued'),
        {
          timeoutMs: settleMs,
          intervalMs: 1000,
          what: `${pushes} pushes to the robot whose webhook ${how} settled`,
        },
      );
      const items = records.body.items as Item[];
      expect(items.filter((item) => item.status !== 'sent')).toEqual([]);
      const contents = simulator.messagesFor(robot.token).map((message) => (message.body.text as { content: string }).content);
      expect(contents.filter((content, index) => content !== contents[index - 1])).toEqual(
        Array.from({ length: pushes }, (_, n) => `#${n}`),
      );
      const seen = compareWithRecords(
        items,
        (item) => contents.filter((content) => content === `#${item.eventId.split('-').pop()}`).length,
      );
      expect(seen).toMatchObject({ missing: [], unexplained: [] });
      const requests = simulator.requestsFor(robot.token);
      expect(requests.filter((request) => request.errcode === 130101)).toEqual([]);
      const lastArrival = Math.max(...simulator.messagesFor(robot.token).map((message) => message.at));
      const first = items.find((item) => item.eventId.endsWith('-0'))!;
      console.log(
        `webhook ${how} for ${outageMs / 1000} s: ${pushes} pushes, all sent ${Math.round((lastArrival - recoveredAt) / 100) / 10} s after it ended; the first push took ${first.attempts} attempts; ${requests.length} requests; ${seen.extraCopies} shown twice`,
      );
      if (how === '502') {
        // a 502 is an answer: nothing was uncertain, nothing shown twice
        expect(items.filter((item) => item.uncertain)).toEqual([]);
      } else {
        const detail = await service.call('GET', `/push-records/${first.id}`);
        expect(detail.body.attemptLog[0]).toMatchObject({ result: 'not-sent', errmsg: 'not sent: ECONNREFUSED' });
      }
    }
  },
  240_000 + 2 * outageMs + 2 * settleMs,
);
