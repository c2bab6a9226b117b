import { auditEvent } from '../../lib/audit/auditEvent';
import { templatesStore } from '../../lib/store/templatesStore';
import { api } from '../support/api';
import { instanceAdmin } from '../support/callers';
import { simulator } from '../support/simulator';

const markdown = {
  name: 'Daily sales',
  msgType: 'markdown',
  title: '{{reportName}}',
  text: '## {{reportName}}\nRevenue: **{{data.revenue}}**',
};

describe('templates API', () => {
  it('creates, reads, replaces (bumping version) and deletes a template', async () => {
    const created = await api('POST', '/templates', { body: markdown });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Daily sales', msgType: 'markdown', version: 1 });
    expect(created.body.id).toEqual(expect.any(String));

    const read = await api('GET', `/templates/${created.body.id}`);
    expect(read.body).toEqual(created.body);

    const replaced = await api('PUT', `/templates/${created.body.id}`, { body: { ...markdown, text: 'Revenue {{data.revenue}}' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.version).toBe(2);
    expect(replaced.body.text).toBe('Revenue {{data.revenue}}');

    expect((await api('DELETE', `/templates/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/templates/${created.body.id}`)).status).toBe(404);
  });

  it('keeps the robot count of a robot made while an edit was under way, so the template cannot be deleted under it', async () => {
    const created = (await api('POST', '/templates', { body: { ...markdown, name: 'Edited while used' } })).body;
    const previous = (await templatesStore.getIn('default', created.id))!;
    const { webhookUrl } = await simulator.registerRobot();
    expect((await api('POST', '/robots', { body: { name: 'Made during the edit', webhookUrl, templateId: created.id } })).status).toBe(201);

    const next = { ...previous, text: 'edited', version: previous.version + 1, robotCount: previous.robotCount };
    const target = { type: 'template', id: created.id, name: created.name };
    expect(await templatesStore.replace(previous, next, auditEvent(instanceAdmin(), 'template.update', target))).toEqual({ stored: next });

    const stored = (await api('GET', `/templates/${created.id}`)).body;
    expect(stored).toMatchObject({ text: 'edited', version: 2, robotCount: 1 });
    expect((await api('DELETE', `/templates/${created.id}`)).status).toBe(409);
  });

  it('keeps names unique, case-insensitively, on create and rename', async () => {
    const first = await api('POST', '/templates', { body: { ...markdown, name: 'Unique A' } });
    expect(first.status).toBe(201);
    const clash = await api('POST', '/templates', { body: { ...markdown, name: 'unique a' } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.details[0].path).toBe('/name');
    const second = await api('POST', '/templates', { body: { ...markdown, name: 'Unique B' } });
    const rename = await api('PUT', `/templates/${second.body.id}`, { body: { ...markdown, name: 'UNIQUE A' } });
    expect(rename.status).toBe(409);
    // the failed rename left the name free for B's old name holder and B unchanged
    expect((await api('GET', `/templates/${second.body.id}`)).body.name).toBe('Unique B');
    // renaming releases the old name
    expect((await api('PUT', `/templates/${second.body.id}`, { body: { ...markdown, name: 'Unique C' } })).status).toBe(200);
    expect((await api('POST', '/templates', { body: { ...markdown, name: 'Unique B' } })).status).toBe(201);
  });

  it('lists with keyword search and cursor pagination, no duplicates or gaps', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `Paging report ${i}`);
    for (const name of names) await api('POST', '/templates', { body: { ...markdown, name } });
    await api('POST', '/templates', { body: { ...markdown, name: 'Something else' } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api('GET', `/templates?keyword=PAGING&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((item: { name: string }) => item.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(names);
  });

  it('refuses a delete while a robot uses the template', async () => {
    const template = await api('POST', '/templates', { body: { ...markdown, name: 'In use' } });
    const { webhookUrl } = await simulator.registerRobot();
    const robot = await api('POST', '/robots', { body: { name: 'User of template', webhookUrl, templateId: template.body.id } });
    expect(robot.status).toBe(201);
    const refused = await api('DELETE', `/templates/${template.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/used by 1 robot/);
    await api('DELETE', `/robots/${robot.body.id}`);
    expect((await api('DELETE', `/templates/${template.body.id}`)).status).toBe(204);
  });

  it('previews a sample report event exactly as a push of that event renders it', async () => {
    const template = await api('POST', '/templates', {
      body: { name: `Sample ${Date.now()}`, msgType: 'text', text: '{{reportName}}: {{data.total}} / {{total}} {{{url}}}' },
    });
    const sample = { reportName: 'Sales', url: 'https://bi.example/r?id=1', data: { total: 42 } };
    const preview = await api('POST', `/templates/${template.body.id}/preview`, { body: { data: sample } });
    expect(preview.body.message).toEqual({ msgtype: 'text', text: { content: 'Sales: 42 / 42 https://bi.example/r?id=1' } });
    // what the worker renders for the same event
    const { renderMessage } = require('../../lib/render/renderMessage') as typeof import('../../lib/render/renderMessage');
    expect(preview.body.message).toEqual(renderMessage(template.body, { eventId: 'e', reportId: 'r', ...sample }));
    // the flat form: fields no event has are the report's data
    const flat = await api('POST', `/templates/${template.body.id}/preview`, { body: { data: { total: 7 } } });
    expect(flat.body.message.text.content).toBe('Preview: 7 / 7 ');
  });

  it('previews the exact DingTalk body with bytes and warnings', async () => {
    const template = await api('POST', '/templates', { body: { ...markdown, name: 'Preview me' } });
    const preview = await api('POST', `/templates/${template.body.id}/preview`, { body: { data: { revenue: '¥1,234' } } });
    expect(preview.status).toBe(200);
    expect(preview.body.message).toEqual({ msgtype: 'markdown', markdown: { title: 'Preview', text: '## Preview\nRevenue: **¥1,234**' } });
    expect(preview.body.bytes).toBe(Buffer.byteLength(JSON.stringify(preview.body.message)));
    expect(preview.body.warnings).toEqual([]);

    const { webhookUrl } = await simulator.registerRobot();
    const robot = await api('POST', '/robots', {
      body: {
        name: 'Preview robot',
        webhookUrl,
        templateId: template.body.id,
        keywords: ['ALERT'],
        mention: { atMobiles: ['13800000000'] },
      },
    });
    const withRobot = await api('POST', `/templates/${template.body.id}/preview`, {
      body: { data: { revenue: 1 }, robotId: robot.body.id },
    });
    expect(withRobot.body.message.at).toEqual({ atMobiles: ['13800000000'], atUserIds: [], isAtAll: false });
    expect(withRobot.body.message.markdown.text).toContain('@13800000000');
    expect(withRobot.body.warnings.join('\n')).toMatch(/none of the robot's keywords \(ALERT\)/);
    expect(withRobot.body.warnings.join('\n')).toMatch(/does not mention @13800000000/);

    const big = await api('POST', `/templates/${template.body.id}/preview`, { body: { data: { revenue: 'x'.repeat(25_000) } } });
    expect(big.status).toBe(200);
    expect(big.body.bytes).toBeGreaterThan(20_000);
    expect(big.body.warnings.join('\n')).toMatch(/DingTalk accepts at most 20000/);
  });

  describe('bad input: 4xx naming the problem, nothing stored', () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['malformed JSON', '{"name": ', 400, /not valid JSON/],
      ['wrong type', { ...markdown, name: 42 }, 400, /\/name must be string/],
      ['unknown field', { ...markdown, colour: 'red' }, 400, /\/colour is not an allowed field/],
      ['empty name', { ...markdown, name: '' }, 400, /\/name/],
      ['blank name', { ...markdown, name: '   ' }, 400, /\/name must not be blank/],
      ['10,000-character name', { ...markdown, name: 'n'.repeat(10_000) }, 400, /\/name must NOT have more than 200 characters/],
      ['unknown msgType', { ...markdown, msgType: 'video' }, 400, /\/msgType must be one of/],
      ['markdown without title', { name: 'x', msgType: 'markdown', text: 'hi' }, 400, /\/title is required/],
      ['actionCard without buttons', { name: 'x', msgType: 'actionCard', title: 't', text: 'x' }, 400, /\/buttons is required/],
      ['broken Mustache', { ...markdown, text: '{{#open}} never closed' }, 400, /\/text is not valid Mustache/],
    ];
    it.each(cases)('%s', async (_label, body, status, message) => {
      const before = (await api('GET', '/templates?limit=100')).body.items.length;
      const response =
        typeof body === 'string' ? await api('POST', '/templates', { rawBody: body }) : await api('POST', '/templates', { body });
      expect(response.status).toBe(status);
      expect(response.body.error.message).toMatch(message);
      expect((await api('GET', '/templates?limit=100')).body.items.length).toBe(before);
    });

    it('lists every violation at once', async () => {
      const response = await api('POST', '/templates', { body: { name: '', msgType: 'nope', extra: 1 } });
      expect(response.status).toBe(400);
      const paths = response.body.error.details.map((detail: { path: string }) => detail.path);
      expect(paths).toEqual(expect.arrayContaining(['/name', '/msgType', '/extra']));
    });

    it('refuses a body over the size limit with 413', async () => {
      const response = await api('POST', '/templates', { rawBody: JSON.stringify({ ...markdown, text: 'x'.repeat(300_000) }) });
      expect(response.status).toBe(413);
    });

    it('answers 404 for unknown ids and 400 for a bad cursor or limit', async () => {
      expect((await api('GET', '/templates/nope')).status).toBe(404);
      expect((await api('PUT', '/templates/nope', { body: markdown })).status).toBe(404);
      expect((await api('GET', '/templates?cursor=garbage')).status).toBe(400);
      expect((await api('GET', '/templates?limit=0')).status).toBe(400);
      expect((await api('GET', '/templates?limit=100000')).status).toBe(400);
    });
  });
});
