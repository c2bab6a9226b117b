import { auditEvent } from '../../lib/audit/auditEvent';
import { robotsStore } from '../../lib/store/robotsStore';
import { api } from '../support/api';
import { instanceAdmin } from '../support/callers';
import { allItems } from '../support/tableItems';
import { publisherToken } from '../support/environment';
import { simulator } from '../support/simulator';
import { startWorker } from '../support/worker';

let templateId: string;
let otherTemplateId: string;

beforeAll(async () => {
  templateId = (await api('POST', '/templates', { body: { name: 'Robot tests', msgType: 'text', text: 'Report {{reportName}} is ready' } }))
    .body.id;
  otherTemplateId = (await api('POST', '/templates', { body: { name: 'Robot tests 2', msgType: 'text', text: 'Other {{reportName}}' } }))
    .body.id;
});

async function newRobot(overrides: Record<string, unknown> = {}) {
  const { webhookUrl, token } = await simulator.registerRobot();
  const response = await api('POST', '/robots', { body: { name: `Robot ${token.slice(-8)}`, webhookUrl, templateId, ...overrides } });
  return { response, token, webhookUrl };
}

describe('credentials at rest', () => {
  // test sends go through the queue: a worker delivers them
  let worker: ReturnType<typeof startWorker>;
  beforeAll(() => {
    worker = startWorker();
  });
  afterAll(() => worker.stop());

  it('stores the access token and the signing secret sealed, and still signs and sends with them', async () => {
    const secret = 'SECsealed0123456789abcdef0123456789';
    const registered = await simulator.registerRobot({ secret });
    const created = await api('POST', '/robots', {
      body: { name: `Sealed ${registered.token.slice(-8)}`, webhookUrl: registered.webhookUrl, templateId, secret },
    });
    expect(created.status).toBe(201);
    const stored = JSON.stringify(await allItems());
    expect(stored).not.toContain(registered.token);
    expect(stored).not.toContain(secret.slice(3));
    const item = (await allItems()).find((entry) => entry.pk === `ROBOT#${created.body.id}`) as Record<string, string>;
    expect(item.webhookUrl).toMatch(/^sealed:v1:/);
    expect(item.secret).toMatch(/^sealed:v1:/);
    // the simulator checks the signature: the worker opened both
    const test = await api('POST', `/robots/${created.body.id}/test`, { body: {} });
    expect(test.body).toMatchObject({ status: 'sent' });
  });
});

describe('robots API', () => {
  it('creates a robot without ever returning its secret or full access token', async () => {
    const secret = 'SECabcdef0123456789abcdef0123456789';
    const { response, token } = await newRobot({ secret, reports: ['sales-daily'], keywords: ['Report'] });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      hasSecret: true,
      enabled: true,
      reports: ['sales-daily'],
      keywords: ['Report'],
      templateId,
      templateName: 'Robot tests',
    });
    expect(response.body.webhookUrl).toBe(`${process.env.SIMULATOR_URL}/robot/send?access_token=${token.slice(0, 4)}****`);
    for (const body of [response.raw, (await api('GET', `/robots/${response.body.id}`)).raw, (await api('GET', '/robots?limit=100')).raw]) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain(token);
    }
  });

  it('defaults reports to every report and lists robots by keyword and enabled state', async () => {
    const a = await newRobot({ name: 'Finance alpha' });
    const b = await newRobot({ name: 'Finance beta', enabled: false });
    await newRobot({ name: 'Ops gamma' });
    expect(a.response.body.reports).toEqual(['*']);
    const finance = await api('GET', '/robots?keyword=finance');
    expect(finance.body.items.map((r: { name: string }) => r.name)).toEqual(['Finance alpha', 'Finance beta']);
    const enabledFinance = await api('GET', '/robots?keyword=finance&enabled=true');
    expect(enabledFinance.body.items.map((r: { id: string }) => r.id)).toEqual([a.response.body.id]);
    const disabled = await api('GET', '/robots?enabled=false');
    expect(disabled.body.items.map((r: { id: string }) => r.id)).toContain(b.response.body.id);
  });

  it('enables, disables with a reason, patches and deletes', async () => {
    const { response } = await newRobot();
    const id = response.body.id;
    const disabled = await api('POST', `/robots/${id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: 'disabled by an admin' });
    const enabled = await api('POST', `/robots/${id}/enable`);
    expect(enabled.body.enabled).toBe(true);
    expect(enabled.body.disabledReason).toBeUndefined();

    const patched = await api('PATCH', `/robots/${id}`, {
      body: { name: 'Renamed robot', templateId: otherTemplateId, secret: 'SECnewsecret12345678' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed robot', templateId: otherTemplateId, hasSecret: true });
    expect((await api('GET', `/templates/${otherTemplateId}`)).body.robotCount).toBe(1);
    const noSecret = await api('PATCH', `/robots/${id}`, { body: { secret: null } });
    expect(noSecret.body.hasSecret).toBe(false);

    expect((await api('DELETE', `/robots/${id}`)).status).toBe(204);
    expect((await api('GET', `/robots/${id}`)).status).toBe(404);
    expect((await api('GET', `/templates/${otherTemplateId}`)).body.robotCount).toBe(0);
    // the name is free again
    expect((await newRobot({ name: 'Renamed robot' })).response.status).toBe(201);
  });

  it('keeps the failure streak the worker counted while an edit was under way; enabling resets it', async () => {
    const { response } = await newRobot();
    const id = response.body.id;
    const previous = (await robotsStore.getIn('default', id))!;
    // two final failures land between the edit's read and its write
    await robotsStore.recordPermanentFailure(id);
    await robotsStore.recordPermanentFailure(id);
    const target = { type: 'robot', id, name: previous.name };
    const edit = (next: typeof previous) => robotsStore.replace(previous, next, auditEvent(instanceAdmin(), 'robot.update', target));
    expect(await edit({ ...previous, keywords: ['Edited'], version: previous.version + 1 })).toHaveProperty('stored');
    const streak = async () => (await robotsStore.get(id))!.consecutiveFailures;
    expect(await streak()).toBe(2);
    expect((await robotsStore.get(id))!.keywords).toEqual(['Edited']);

    await robotsStore.recordPermanentFailure(id);
    expect((await api('POST', `/robots/${id}/disable`, { body: { reason: 'check' } })).status).toBe(200);
    expect((await api('POST', `/robots/${id}/enable`, { body: {} })).status).toBe(200);
    expect(await streak()).toBe(0);
  });

  it('paginates robots with a stable cursor', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await newRobot({ name: `Paged robot ${i}` })).response.body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api('GET', `/robots?keyword=paged robot&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made);
  });

  describe('webhook URL policy (no requests to arbitrary addresses)', () => {
    const allowed = () => process.env.SIMULATOR_URL as string;
    const cases: [string, () => string][] = [
      ['another origin', () => 'https://evil.example.com/robot/send?access_token=abc'],
      ['cloud metadata address', () => 'http://169.254.169.254/robot/send?access_token=abc'],
      ['loopback on another port', () => 'http://127.0.0.1:1/robot/send?access_token=abc'],
      ['userinfo trick', () => `https://oapi.dingtalk.com@evil.example.com/robot/send?access_token=abc`],
      ['credentials on an allowed origin', () => allowed().replace('http://', 'http://user:pw@') + '/robot/send?access_token=abc'],
      ['wrong path', () => `${allowed()}/admin?access_token=abc`],
      ['no access token', () => `${allowed()}/robot/send`],
      ['two access tokens', () => `${allowed()}/robot/send?access_token=a&access_token=b`],
      ['file URL', () => 'file:///etc/passwd'],
      ['not a URL', () => 'robot please'],
    ];
    it.each(cases)('refuses %s', async (_label, url) => {
      const response = await api('POST', '/robots', { body: { name: `Bad url ${Math.random()}`, webhookUrl: url(), templateId } });
      expect(response.status).toBe(400);
      expect(response.body.error.details[0].path).toBe('/webhookUrl');
    });
  });

  describe('bad input', () => {
    it('refuses an unknown template id, naming the field, and stores nothing', async () => {
      const { webhookUrl } = await simulator.registerRobot();
      const response = await api('POST', '/robots', { body: { name: 'Orphan robot', webhookUrl, templateId: 'no-such-template' } });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ path: '/templateId', message: 'does not name an existing template' }]);
      expect((await api('GET', '/robots?keyword=orphan robot')).body.items).toEqual([]);
      // the name was not claimed either
      expect((await api('POST', '/robots', { body: { name: 'Orphan robot', webhookUrl, templateId } })).status).toBe(201);
    });

    it('refuses a duplicate name with 409', async () => {
      await newRobot({ name: 'Twin' });
      const twin = await newRobot({ name: 'TWIN' });
      expect(twin.response.status).toBe(409);
    });

    it('lists every schema violation', async () => {
      const response = await api('POST', '/robots', {
        body: { name: 'x'.repeat(10_000), webhookUrl: 7, secret: 'plain', reports: [], mention: { atMobiles: ['call me'] }, bogus: true },
      });
      expect(response.status).toBe(400);
      const paths = response.body.error.details.map((d: { path: string }) => d.path);
      expect(paths).toEqual(
        expect.arrayContaining(['/name', '/webhookUrl', '/secret', '/reports', '/mention/atMobiles/0', '/bogus', '/templateId']),
      );
    });

    it('refuses an empty PATCH and unknown ids', async () => {
      const { response } = await newRobot();
      expect((await api('PATCH', `/robots/${response.body.id}`, { body: {} })).status).toBe(400);
      expect((await api('PATCH', '/robots/nope', { body: { name: 'x' } })).status).toBe(404);
      expect((await api('POST', '/robots/nope/enable')).status).toBe(404);
      expect((await api('DELETE', '/robots/nope')).status).toBe(404);
    });
  });

  describe('auth', () => {
    it('401 without or with an unknown token, 403 for a publisher token on admin endpoints', async () => {
      expect((await api('GET', '/robots', { token: null })).status).toBe(401);
      expect((await api('GET', '/robots', { token: 'wrong' })).status).toBe(401);
      expect((await api('GET', '/robots', { token: publisherToken })).status).toBe(403);
      expect((await api('GET', '/health', { token: null })).status).toBe(200);
    });
  });
});
