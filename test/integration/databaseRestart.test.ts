// DynamoDB stopped and restarted in the middle of deliveries: the pipeline recovers by itself.
// This file runs against its own DynamoDB Local (kept on disk), so stopping it disturbs no other test.
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { useOwnDynamoDb } from '../support/ownDatabase';
import { publisherToken } from '../support/environment';
import { compareWithRecords } from '../support/groupView';
import { simulator } from '../support/simulator';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';

const database = useOwnDynamoDb('restart');

it('loses no push when DynamoDB goes away for a few seconds', async () => {
  const worker = startWorker({ concurrency: 2 });
  try {
    const template = await api('POST', '/templates', { body: { name: 'Restart', msgType: 'text', text: '#{{data.n}}' } });
    const reportId = `restart-${randomUUID()}`;
    const tokens: string[] = [];
    const robotIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const robot = await simulator.registerRobot({ rateLimit: { messages: 5, windowMs: 1000 } });
      tokens.push(robot.token);
      robotIds.push(
        (
          await api('POST', '/robots', {
            body: { name: `Restart ${i}`, webhookUrl: robot.webhookUrl, templateId: template.body.id, reports: [reportId] },
          })
        ).body.id,
      );
    }
    const eventIds: string[] = [];
    for (let n = 0; n < 6; n++)
      eventIds.push(
        (
          await api('POST', '/events/report-ready', {
            token: publisherToken,
            body: { eventId: randomUUID(), reportId, reportName: 'R', data: { n } },
          })
        ).body.eventId,
      );

    // mid-delivery: DynamoDB disappears for three seconds, then comes back with its data
    await new Promise((resolve) => setTimeout(resolve, 300));
    await database.stop();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await database.start();

    const records = await waitFor(
      async () => {
        const all = [];
        for (const eventId of eventIds) all.push(...(await api('GET', `/push-records?eventId=${eventId}`)).body.items);
        return all as { id: string; status: string; robotId: string; eventId: string; uncertain?: number }[];
      },
      (items) => items.length === 30 && items.every((item) => item.status === 'sent'),
      { timeoutMs: 60_000, intervalMs: 500, what: 'all 30 pushes sent after the restart' },
    );
    // a record write that failed after its POST leaves an attempt the next holder finds uncertain: sent again
    const shown = await Promise.all(tokens.map((token) => simulator.messages(token)));
    const seen = compareWithRecords(
      records,
      (record) =>
        shown[robotIds.indexOf(record.robotId)].filter(
          (message) => (message.body.text as { content: string }).content === `#${eventIds.indexOf(record.eventId)}`,
        ).length,
    );
    expect(seen).toMatchObject({ missing: [], unexplained: [] });
  } finally {
    await worker.stop();
  }
}, 120_000);
