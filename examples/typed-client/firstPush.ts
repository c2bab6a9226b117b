// The README's first push from TypeScript: types generated from docs/openapi.json by openapi-typescript,
// calls made with openapi-fetch. Strictly typed, no casts. Run against npm start:
//   npx openapi-typescript docs/openapi.json -o examples/typed-client/generated/api.d.ts
//   DINGPUSH_URL=http://localhost:3000 npx tsx examples/typed-client/firstPush.ts
import createClient from 'openapi-fetch';
import type { paths } from './generated/api';

const baseUrl = process.env.DINGPUSH_URL ?? 'http://localhost:3000';
const admin = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN ?? 'local-admin-token'}` } });
const publisher = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${process.env.PUBLISHER_TOKEN ?? 'local-publisher-token'}` },
});
const webhookUrl = process.env.WEBHOOK_URL ?? 'http://127.0.0.1:4999/robot/send?access_token=mytoken0123456789';
const run = process.env.RUN_ID ?? String(Date.now());

/** The answer's body, or an error naming what the service said. */
function ok<Data>(step: string, answer: { data?: Data; error?: unknown; response: Response }): Data {
  if (answer.data === undefined) throw new Error(`${step}: HTTP ${answer.response.status} ${JSON.stringify(answer.error)}`);
  return answer.data;
}

async function main(): Promise<void> {
  const template = ok(
    'template',
    await admin.POST('/templates', {
      body: {
        name: `Daily sales ${run}`,
        msgType: 'markdown',
        title: '{{reportName}}',
        text: '### {{reportName}}\nRevenue: **{{data.revenue}}**\n[Open]({{{url}}})',
      },
    }),
  );
  const robot = ok(
    'robot',
    await admin.POST('/robots', {
      body: { name: `Sales team ${run}`, templateId: template.id, reports: [`sales-daily-${run}`], webhookUrl },
    }),
  );
  const event = ok(
    'event',
    await publisher.POST('/events/report-ready', {
      body: {
        eventId: `sales-${run}`,
        reportId: `sales-daily-${run}`,
        reportName: 'Daily sales',
        url: 'https://bi.example.com/r/1',
        data: { revenue: '¥12,300' },
      },
    }),
  );
  for (let tries = 0; tries < 100; tries++) {
    const page = ok('records', await admin.GET('/push-records', { params: { query: { eventId: event.eventId } } }));
    const sent = page.items.find((record) => record.robotId === robot.id && record.status === 'sent');
    if (sent) {
      const record = ok('record', await admin.GET('/push-records/{id}', { params: { path: { id: sent.id } } }));
      const content = record.content;
      if (content && 'markdown' in content && 'text' in content.markdown) {
        console.log(JSON.stringify({ recordId: record.id, status: record.status, markdown: content.markdown.text }));
        return;
      }
      throw new Error(`record ${record.id} holds no DingTalk markdown: ${JSON.stringify(content)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no sent record for event ${event.eventId} within 20 s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
