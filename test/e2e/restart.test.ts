// `npm start` as a small team's single server: stopped (Ctrl-C / SIGTERM) or killed (SIGKILL of its whole
// process group) in the middle of a burst, then started again on the same DATA_DIR, it delivers every
// accepted push, in order, with zero 130101, and still serves the screenshot one of them carried. A push
// the group saw twice (a kill between the POST and its record) is one its record marks uncertain. The
// chat simulator runs outside the stack here, as DingTalk does, so what the group saw survives the
// restart. RESTART_EVENTS scales it (npm run soak).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startChatSimulator, type ChatSimulator } from '../../scripts/chat-simulator';
import { chartPng } from '../support/chartPng';
import { compareWithRecords } from '../support/groupView';
import { startLocalService, type LocalService } from '../support/localService';
import { waitFor } from '../support/waitFor';

const events = Number(process.env.RESTART_EVENTS ?? 16);
const limit = { messages: 4, windowMs: 2000 };
const screenshot = chartPng([1, 2, 3]);
let simulator: ChatSimulator;

beforeAll(async () => {
  simulator = await startChatSimulator({ rateLimit: limit, throttleMs: 60_000, autoRegister: true });
});
afterAll(() => simulator?.close());

describe.each([
  ['stopped with SIGTERM', (service: LocalService) => service.stop('SIGTERM')],
  ['killed with SIGKILL', (service: LocalService) => service.crash()],
])('npm start %s mid-burst and started again on the same DATA_DIR', (how, interrupt) => {
  it(`delivers all ${events} accepted pushes, in order, with zero 130101, any duplicate owned by an uncertain record`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dingpush-restart-'));
    const environment = {
      DINGTALK_RATE_LIMIT: `${limit.messages}/${limit.windowMs / 1000}`,
      DINGTALK_ALLOWED_ORIGINS: simulator.url,
      LOG_LEVEL: 'warn',
    };
    let service = await startLocalService(environment, { dataDir });
    try {
      const token = `restart${randomBytes(8).toString('hex')}`;
      const template = await service.call('POST', '/templates', {
        name: `Restart ${token}`,
        msgType: 'text',
        text: '#{{data.n}}{{#image}} {{{url}}}{{/image}}',
      });
      const reportId = `restart-${token}`;
      const robot = await service.call('POST', '/robots', {
        name: `Restart ${token}`,
        webhookUrl: `${simulator.url}/robot/send?access_token=${token}`,
        templateId: template.body.id,
        reports: [reportId],
      });
      expect(robot.status).toBe(201);
      for (let n = 0; n < events; n++) {
        // the first carries a screenshot, which must survive the restart in DATA_DIR too
        const images = n === 0 ? { images: [{ name: 'first.png', contentType: 'image/png', data: screenshot.toString('base64') }] } : {};
        const accepted = await service.call(
          'POST',
          '/events/report-ready',
          { eventId: `${token}-${n}`, reportId, reportName: 'Restart', data: { n }, ...images },
          service.publisherToken,
        );
        expect(accepted.status).toBe(202);
      }
      // a few windows in, most of the burst still waits for the robot's limit
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const beforeRestart = simulator.messagesFor(token).length;
      expect(beforeRestart).toBeLessThan(events);
      const interrupted = await interrupt(service);
      if (typeof interrupted === 'number') expect(interrupted).toBeLessThan(15_000);

      service = await startLocalService(environment, { dataDir });
      // a killed worker's message comes back after the local visibility timeout (45 s)
      const records = await waitFor(
        () => service.call('GET', `/push-records?robotId=${robot.body.id}&limit=100`),
        (page) => page.body.items.length === events && page.body.items.every((item: { status: string }) => item.status === 'sent'),
        { timeoutMs: 150_000, intervalMs: 500, what: 'every record sent after the restart' },
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const messages = simulator.messagesFor(token);
      const contents = messages.map((message) => (message.body.text as { content: string }).content);
      const numbers = contents.map((content) => content.split(' ')[0]);
      // in order: a push shown twice is shown twice in a row (its robot's later pushes wait behind it)
      expect(numbers.filter((number, index) => number !== numbers[index - 1])).toEqual(Array.from({ length: events }, (_, n) => `#${n}`));
      const items = records.body.items as { id: string; eventId: string; status: string; uncertain?: number }[];
      const seen = compareWithRecords(
        items,
        (record) => numbers.filter((number) => number === `#${record.eventId.split('-').pop()}`).length,
      );
      console.log(
        `${how}: ${events} pushes, ${messages.length} messages in the group, ${seen.extraCopies} shown twice, ${items.filter((item) => item.uncertain).length} records uncertain`,
      );
      expect(seen).toMatchObject({ missing: [], unexplained: [] });
      const imagePath = new URL(contents[0].split(' ')[1]).pathname;
      const served = await fetch(`${service.apiUrl}${imagePath}`);
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).equals(screenshot)).toBe(true);
      const requests = simulator.requestsFor(token);
      expect(requests.filter((request) => request.errcode === 130101)).toEqual([]);
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});

it('refuses a second npm start on the same DATA_DIR, naming the one that holds it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dingpush-twice-'));
  const first = await startLocalService({ LOG_LEVEL: 'warn' }, { dataDir });
  try {
    await expect(startLocalService({ LOG_LEVEL: 'warn' }, { dataDir })).rejects.toThrow(
      /Another npm start \(pid \d+\) uses .*give this one its own DATA_DIR/,
    );
    expect((await fetch(`${first.apiUrl}/health`)).status).toBe(200);
  } finally {
    await first.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 200_000);
