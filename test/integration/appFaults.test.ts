// The webhook tests' fault mix against DingTalk's app robot API: 5xx, timeouts, resets, lost answers and
// QPS limits. Every push arrives, in order, and every push the group shows twice is one whose record counts
// an uncertain attempt (no app API call has an idempotency key either).
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { simulator } from '../support/simulator';
import { publisherToken } from '../support/environment';
import { compareWithRecords } from '../support/groupView';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

const pushes = 30;
const control = simulator.control;
it('delivers every push through the fault mix, in order; every duplicate is a record marked uncertain', async () => {
  const appKey = `ding${randomUUID().slice(0, 10)}`;
  await control('POST', '/_sim/apps', { appKey, appSecret: 'secret', groups: { cidFaults: 'Faults' } });
  const appId = (await api('POST', '/dingtalk-apps', { body: { name: 'Faults', appKey, appSecret: 'secret' } })).body.id;
  const template = (await api('POST', '/templates', { body: { name: `Faults ${randomUUID()}`, msgType: 'text', text: 'push {{data.n}}' } }))
    .body;
  const reportId = `faults-${randomUUID().slice(0, 6)}`;
  const robot = (
    await api('POST', '/robots', {
      body: {
        name: 'Faults',
        channel: 'dingtalk-app',
        app: { appId, openConversationId: 'cidFaults' },
        templateId: template.id,
        reports: [reportId],
      },
    })
  ).body;
  // each kind once for certain, then the mix
  await control('POST', '/_sim/apps/faults', {
    appKey,
    next: ['lost', 'slow', 'reset', 'http5xx', 'qpsLimit'],
    rates: { http5xx: 0.2, slow: 0.1, reset: 0.05, lost: 0.05, qpsLimit: 0.05 },
  });
  const worker = startWorker();
  try {
    for (let n = 1; n <= pushes; n++)
      await api('POST', '/events/report-ready', {
        token: publisherToken,
        body: { eventId: randomUUID(), reportId, reportName: 'F', data: { n } },
      });
    const records = await waitFor(
      () =>
        api('GET', `/push-records?robotId=${robot.id}&limit=100`).then(
          (answer) => answer.body.items as { id: string; status: string; uncertain?: number }[],
        ),
      (items) => items.length === pushes && items.every((record) => record.status === 'sent'),
      { what: `all ${pushes} pushes sent`, timeoutMs: 150_000, intervalMs: 1000 },
    );
    await control('POST', '/_sim/apps/faults', { appKey, rates: {} });
    const shown = ((await control('GET', `/_sim/apps/messages?appKey=${appKey}`)).items as { msgParam: { content: string } }[]).map(
      (message) => message.msgParam.content,
    );
    const contentOf = new Map<string, string>();
    for (const record of records) contentOf.set(record.id, (await api('GET', `/push-records/${record.id}`)).body.content.msgParam);
    const seen = compareWithRecords(
      records,
      (record) => shown.filter((text) => JSON.stringify({ content: text }) === contentOf.get(record.id)).length,
    );
    const uncertain = records.filter((record) => record.uncertain).length;
    console.log(
      `app robot: ${pushes} pushes, ${uncertain} with an uncertain attempt, ${seen.extraCopies} extra copies, ${seen.unexplained.length} unexplained, ${seen.missing.length} missing`,
    );
    expect(seen.missing).toEqual([]);
    expect(seen.unexplained).toEqual([]);
    expect(uncertain).toBeGreaterThan(0);
    // in publish order, by each push's first appearance
    const firsts = [...new Set(shown)];
    expect(firsts).toEqual(Array.from({ length: pushes }, (_, index) => `push ${index + 1}`));
  } finally {
    await worker.stop();
  }
}, 200_000);
