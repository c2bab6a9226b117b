// Quiet hours through the real pieces: pushes inside them are held (their records say until when) while an
// urgent one goes at once; the release sends the held ones first, in order, as one digest, and a push that
// came after them waits its turn. The hours ending on their own is on a fake clock in test/unit.
import { randomUUID } from 'node:crypto';
import { releaseHeldPushes } from '../../lib/delivery/requeueUnfinished';
import { api } from '../support/api';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

/** Quiet hours from this minute to an hour on: now is inside them. */
function quietNow() {
  const clock = (at: Date) => at.toISOString().slice(11, 16);
  return { from: clock(new Date()), to: clock(new Date(Date.now() + 3_600_000)), timeZone: 'UTC' };
}

it('holds pushes in quiet hours, sends an urgent one at once; removing the hours releases the held ones first, in order, as one digest', async () => {
  const worker = startWorker();
  try {
    const registered = await simulator.registerRobot();
    const template = await api('POST', '/templates', { body: { name: `Quiet ${randomUUID()}`, msgType: 'text', text: 'Push {{data.n}}' } });
    const reportId = `quiet-${randomUUID()}`;
    const robot = await api('POST', '/robots', {
      body: {
        name: `Quiet ${registered.token}`,
        webhookUrl: registered.webhookUrl,
        templateId: template.body.id,
        reports: [reportId],
        digest: { enabled: true },
        quietHours: quietNow(),
      },
    });
    expect(robot.status).toBe(201);
    const publish = async (n: number, urgent = false) =>
      (
        await api('POST', '/events/report-ready', {
          token: publisherToken,
          body: { eventId: randomUUID(), reportId, reportName: 'Quiet', data: { n }, ...(urgent && { urgent }) },
        })
      ).body.eventId as string;
    const held = [await publish(1), await publish(2), await publish(3)];
    const urgent = await publish(4, true);

    const record = async (eventId: string) => (await api('GET', `/push-records?eventId=${eventId}`)).body.items[0];
    await waitFor(
      () => record(urgent),
      (found) => found?.status === 'sent',
      { what: 'the urgent push sent' },
    );
    await waitFor(
      () => Promise.all(held.map(record)),
      (records) => records.every((found) => found?.status === 'held'),
      { what: 'the others held' },
    );
    expect((await record(held[0])).heldUntil).toMatch(/T\d\d:\d\d:00\.000Z$/);
    expect((await simulator.messages(registered.token)).map((message) => message.body)).toEqual([
      { msgtype: 'text', text: { content: 'Push 4' } },
    ]);

    // the hours are removed: what they held goes out, as one digest, and a push published now not before it
    expect((await api('PATCH', `/robots/${robot.body.id}`, { body: { quietHours: null } })).status).toBe(200);
    const after = await publish(5);
    await waitFor(
      () => Promise.all([...held, after].map(record)),
      (records) => records.every((found) => found?.status === 'sent'),
      { what: 'the held pushes and the later one sent' },
    );
    const bodies = (await simulator.messages(registered.token)).map((message) => message.body as any);
    const shown = bodies.flatMap((body) =>
      body.msgtype === 'text'
        ? [body.text.content]
        : body.markdown.text
            .split('\n')
            .filter((line: string) => line.startsWith('- '))
            .map((line: string) => line.slice(2)),
    );
    expect(shown).toEqual(['Push 4', 'Push 1', 'Push 2', 'Push 3', 'Push 5']);
    expect(bodies[1]).toMatchObject({ msgtype: 'markdown' });
    expect(bodies[1].markdown.text).toContain('- Push 1\n- Push 2\n- Push 3');
    // the sweeper, once quiet hours end, releases in the same way; nothing is left for it here
    expect(await releaseHeldPushes(Date.now() + 2 * 3_600_000)).toBe(0);
  } finally {
    await worker.stop();
  }
}, 60_000);

it('refuses quiet hours in a time zone that does not exist, naming the field', async () => {
  const registered = await simulator.registerRobot();
  const template = await api('POST', '/templates', { body: { name: `Quiet zone ${randomUUID()}`, msgType: 'text', text: 'x' } });
  const response = await api('POST', '/robots', {
    body: {
      name: `Zone ${registered.token}`,
      webhookUrl: registered.webhookUrl,
      templateId: template.body.id,
      quietHours: { from: '22:00', to: '08:00', timeZone: 'Mars/Olympus' },
    },
  });
  expect(response.status).toBe(400);
  expect(response.body.error.details).toEqual([{ path: '/quietHours/timeZone', message: 'is not a known IANA time zone' }]);
  const badClock = await api('POST', '/robots', {
    body: {
      name: `Clock ${registered.token}`,
      webhookUrl: registered.webhookUrl,
      templateId: template.body.id,
      quietHours: { from: '24:00', to: '08:00', timeZone: 'UTC' },
    },
  });
  expect(badClock.status).toBe(400);
  expect(badClock.body.error.details[0].path).toBe('/quietHours/from');
});
