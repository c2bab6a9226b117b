// The admin console in real headless Chromium (Debian's package, driven by playwright-core) against
// `npm start`, once in Chinese and once in English (the browser's locale picks it): every task an admin
// does, with controls used from the keyboard, axe-core run on every page (no serious or critical
// violation), and screenshots of the main pages (into docs/ with `npm run screenshots`, a temporary
// directory otherwise, so a test run leaves the work tree as it was).
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { chartPng } from '../support/chartPng';
import { waitFor } from '../support/waitFor';
import { startLocalService, type LocalService } from '../support/localService';
import { simulatorAt } from '../support/simulator';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const docs = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : mkdtempSync(join(tmpdir(), 'dingpush-console-'));
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let service: LocalService;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`No Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  mkdirSync(docs, { recursive: true });
  // one failed push disables a robot, so the automatic disable shows after one event
  service = await startLocalService({ ROBOT_AUTO_DISABLE_AFTER: '1' });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

/** What the console says, in each language: the test checks the page shows these words. */
const words = {
  'zh-CN': {
    lang: 'zh',
    login: '进入控制台',
    token: 'API 令牌',
    tokens: 'API 令牌',
    audit: '审计日志',
    workspaces: '工作空间',
    createToken: '创建令牌',
    secretWarning: '只显示这一次',
    copy: '复制',
    rotate: (name: string) => `轮换 ${name}`,
    revoke: (name: string) => `吊销 ${name}`,
    revoked: (name: string) => `“${name}”已吊销。`,
    viewer: '查看者',
    changes: '变更',
    exportCsv: '导出 CSV',
    createWorkspace: '创建工作空间',
    workspaceSwitch: '工作空间',
    apps: '钉钉应用',
    registerApp: '登记应用',
    appChannel: '钉钉应用机器人',
    readBy: '2 人已读',
    recall: '撤回',
    recalled: '已从群里撤回。',
    recalledStatus: '已撤回',
    robots: '机器人',
    templates: '模板',
    records: '推送记录',
    kpiStarter: 'KPI 卡片（含截图）',
    save: '保存',
    testSent: (name: string) => `测试消息已发送到 ${name}。`,
    autoDisabled: '连续 1 次推送失败，已自动停用',
    keyword310000: '钉钉安全校验未通过',
    enabled: '已启用',
    failed: '失败',
    resent: '已重新排队',
    noRecords: '没有符合条件的推送记录。',
    gmv: '本月 GMV',
    sent: '已发送',
    testMessage: '测试消息',
    unconfirmed: '待确认',
    uncertain: '已完整发出，但没有收到应答',
    confirmed: '已标记为已送达。',
    resentAll: (count: number) => `已重新排队 ${count} 条推送。`,
    channels: { dingtalk: '钉钉', wecom: '企业微信', feishu: '飞书' },
  },
  en: {
    lang: 'en',
    login: 'Open the console',
    token: 'API token',
    tokens: 'API tokens',
    audit: 'Audit log',
    workspaces: 'Workspaces',
    createToken: 'Create token',
    secretWarning: 'shown only this once',
    copy: 'Copy',
    rotate: (name: string) => `Rotate ${name}`,
    revoke: (name: string) => `Revoke ${name}`,
    revoked: (name: string) => `"${name}" is revoked.`,
    viewer: 'viewer',
    changes: 'Changes',
    exportCsv: 'Export CSV',
    createWorkspace: 'Create workspace',
    workspaceSwitch: 'Workspace',
    apps: 'DingTalk apps',
    registerApp: 'Register app',
    appChannel: 'DingTalk app robot',
    readBy: 'Read by 2',
    recall: 'Recall',
    recalled: 'Recalled from the group.',
    recalledStatus: 'recalled',
    robots: 'Robots',
    templates: 'Templates',
    records: 'Push records',
    kpiStarter: 'KPI card with screenshot',
    save: 'Save',
    testSent: (name: string) => `Test message sent to ${name}.`,
    autoDisabled: 'Disabled automatically after a failed push',
    keyword310000: "DingTalk's security check refused it",
    enabled: 'enabled',
    failed: 'failed',
    resent: 'Queued again as',
    noRecords: 'No push records match.',
    gmv: 'GMV this month',
    sent: 'sent',
    testMessage: 'Test message',
    unconfirmed: 'unconfirmed',
    uncertain: 'went out whole and got no answer',
    confirmed: 'Marked delivered.',
    resentAll: (count: number) => `Queued ${count} pushes again.`,
    channels: { dingtalk: 'DingTalk', wecom: 'WeCom', feishu: 'Feishu' },
  },
} as const;

/** Focus and Enter: every control the tasks use works from the keyboard, and shows where the focus is. */
async function press(control: Locator): Promise<void> {
  // focus and read the ring on one element in one task: as two calls, a list redrawn in between (a load
  // finishing) made the second read a fresh, unfocused copy of the control, which has no ring
  const outline = await control.evaluate((element) => {
    (element as any).focus();
    return (globalThis as any).getComputedStyle(element).outlineStyle as string;
  });
  expect(outline).not.toBe('none');
  await control.press('Enter');
}

/** The records table is drawn from its newest load (the console marks it aria-busy until then). */
const recordsDrawn = (page: Page) => page.locator('table:has(#record-rows):not([aria-busy])').waitFor();

async function expectAccessible(page: Page, what: string): Promise<void> {
  // evaluated over the DevTools protocol, so the console's CSP (scripts from its own origin only) stays on
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // in the page: no DOM types in this project's TypeScript
    const browser = globalThis as any;
    const results: { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] } = await browser.axe.run(
      browser.document,
      { resultTypes: ['violations'] },
    );
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      targets: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5),
    }));
  });
  expect({
    page: what,
    violations: violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical'),
  }).toEqual({ page: what, violations: [] });
}

async function api(method: string, path: string, body?: unknown, token = service.adminToken) {
  const response = await fetch(`${service.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as any;
}

describe.each(['zh-CN', 'en'] as const)('the console in %s', (language) => {
  const say = words[language];
  const suffix = language === 'zh-CN' ? 'zh' : 'en';
  const robotName = language === 'zh-CN' ? `销售群 ${suffix}` : `Sales group ${suffix}`;
  const strictName = language === 'zh-CN' ? `关键词群 ${suffix}` : `Keyword group ${suffix}`;
  const reportId = `console-${suffix}`;
  let page: Page;

  beforeAll(async () => {
    const context = await browser.newContext({ locale: language, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterAll(() => page.context().close());

  it('signs in, in the language of the browser', async () => {
    await page.goto(service.apiUrl);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang as string)).toBe(language);
    await page.getByRole('button', { name: say.login }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByLabel(say.token).fill(service.adminToken);
    await page.getByLabel(say.token).press('Enter');
    await page.getByRole('heading', { name: say.robots, exact: true }).waitFor();
  });

  it('creates a template from a starter with a live preview of exactly what the group sees, screenshot included', async () => {
    await press(page.getByRole('button', { name: say.templates, exact: true }));
    await page.locator('#template-starter').selectOption('kpi-card');
    await press(page.locator('#template-from-starter'));
    await page.locator('#preview', { hasText: say.gmv }).waitFor();
    const picture = page.locator('#preview img');
    await waitFor(
      () => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      (width) => width === 360,
      { what: 'the sample screenshot in the preview' },
    );
    expect(await page.locator('#preview a').textContent()).toBe(language === 'zh-CN' ? '查看报表' : 'Open the report');
    await page.locator('#template-name').fill(`${say.kpiStarter} ${suffix}`);
    await expectAccessible(page, 'templates');
    await page.screenshot({ path: join(docs, `console-templates-${suffix}.png`) });
    await press(page.locator('#template-form').getByRole('button', { name: say.save }));
    await page.locator('#template-rows', { hasText: `${say.kpiStarter} ${suffix}` }).waitFor();
  });

  it('adds a robot, and a send test from its form shows the result inline', async () => {
    const templates = await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`);
    await press(page.getByRole('button', { name: say.robots, exact: true }));
    await press(page.locator('#robot-new'));
    await page.locator('#robot-name').fill(robotName);
    await page.locator('#robot-template').selectOption(templates.items[0].id);
    await page.locator('#robot-webhook').fill(`${service.simulatorUrl}/robot/send?access_token=console${suffix}0123456789`);
    await page.locator('#robot-reports').fill(reportId);
    await press(page.locator('#robot-form').getByRole('button', { name: say.save }));
    const row = page.locator('#robot-rows tr', { hasText: robotName });
    await row.waitFor();
    expect(await row.textContent()).not.toContain(`console${suffix}0123456789`);
    await press(row.locator('button[data-action="edit"]'));
    await expectAccessible(page, 'robot form');
    await press(page.locator('#robot-test'));
    await page.locator('#robot-test-result', { hasText: say.testSent(robotName) }).waitFor();
    await press(page.locator('#robot-cancel'));
  });

  it('adds a WeCom and a Feishu robot beside DingTalk, tests each, and filters robots and records by chat service', async () => {
    const templates = await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`);
    const webhooks = {
      wecom: `${service.simulatorUrl}/cgi-bin/webhook/send?key=console-wecom-${suffix}-0123456789`,
      feishu: `${service.simulatorUrl}/open-apis/bot/v2/hook/console-feishu-${suffix}-0123456789`,
    };
    for (const channel of ['wecom', 'feishu'] as const) {
      const name = `${say.channels[channel]} ${suffix}`;
      await press(page.locator('#robot-new'));
      await page.locator('#robot-name').fill(name);
      await page.locator('#robot-channel').selectOption(channel);
      // WeCom robots do not sign: the key in the URL is the credential
      expect(await page.locator('#robot-secret').isDisabled()).toBe(channel === 'wecom');
      expect(await page.locator('#robot-webhook').getAttribute('placeholder')).toContain(
        channel === 'wecom' ? '/cgi-bin/webhook/send' : '/hook/',
      );
      await page.locator('#robot-template').selectOption(templates.items[0].id);
      await page.locator('#robot-webhook').fill(webhooks[channel]);
      await page.locator('#robot-reports').fill(`channels-${suffix}`);
      if (channel === 'feishu') await expectAccessible(page, 'robot form, Feishu');
      await press(page.locator('#robot-form').getByRole('button', { name: say.save }));
      const row = page.locator('#robot-rows tr', { hasText: name });
      await row.waitFor();
      expect(await row.locator('td').nth(1).textContent()).toBe(say.channels[channel]);
      await press(row.locator('button[data-action="test"]'));
      await page.locator('#robot-notice', { hasText: say.testSent(name) }).waitFor();
    }
    // the robots list by chat service
    await page.locator('#robot-channel-filter').selectOption('wecom');
    await page.locator('#robot-rows tr', { hasText: `${say.channels.wecom} ${suffix}` }).waitFor();
    await waitFor(
      () => page.locator('#robot-rows tr').allTextContents(),
      (rows) => rows.length > 0 && rows.every((text) => text.includes(say.channels.wecom)),
      { what: 'only WeCom robots listed' },
    );
    await expectAccessible(page, 'robots filtered by chat service');
    await page.screenshot({ path: join(docs, `console-channels-${suffix}.png`) });
    await page.locator('#robot-channel-filter').selectOption('');
    await page.locator('#robot-rows tr', { hasText: robotName }).waitFor();

    // the records list by chat service: the Feishu robot's test message, and nothing of the others
    await press(page.getByRole('button', { name: say.records, exact: true }));
    await page.locator('#record-channel').selectOption('feishu');
    await press(page.locator('#record-filters').getByRole('button', { name: language === 'zh-CN' ? '查询' : 'Search' }));
    await recordsDrawn(page);
    const rows = await page.locator('#record-rows tr').allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((text) => text.includes(say.channels.feishu) && !text.includes(`${say.channels.wecom} ${suffix}`))).toBe(true);
    expect(rows.some((text) => text.includes(`${say.channels.feishu} ${suffix}`))).toBe(true);
    await expectAccessible(page, 'records filtered by chat service');
    await page.locator('#record-channel').selectOption('');
    await press(page.getByRole('button', { name: say.robots, exact: true }));
  });

  it('shows why a robot was disabled automatically, with the errcode in words, and enables it again', async () => {
    const template = (await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`)).items[0];
    // the group's robot has a custom keyword the template lacks: DingTalk (the simulator) answers 310000
    const { webhookUrl } = await simulatorAt(() => service.simulatorUrl).registerRobot(
      { keywords: ['MUST-HAVE'] },
      `strict${suffix}0123456789`,
    );
    const strict = await api('POST', '/robots', { name: strictName, webhookUrl, templateId: template.id, reports: [`${reportId}-strict`] });
    await api(
      'POST',
      '/events/report-ready',
      { eventId: `strict-${suffix}`, reportId: `${reportId}-strict`, reportName: 'GMV', data: { value: '1' } },
      service.publisherToken,
    );
    await waitFor(
      () => api('GET', `/robots/${strict.id}`),
      (robot) => robot.enabled === false,
      { timeoutMs: 30_000, what: 'the automatic disable' },
    );
    await press(page.getByRole('button', { name: say.records, exact: true }));
    await press(page.getByRole('button', { name: say.robots, exact: true }));
    const row = page.locator('#robot-rows tr', { hasText: strictName });
    await row.locator('.muted', { hasText: say.autoDisabled }).waitFor();
    expect(await row.textContent()).toContain(say.keyword310000);
    await page.screenshot({ path: join(docs, `console-robots-${suffix}.png`) });
    await press(row.locator('button[data-action="edit"]'));
    await page.locator('#robot-disabled', { hasText: '310000' }).waitFor();
    await expectAccessible(page, 'robot disabled automatically');
    await press(page.locator('#robot-reenable'));
    await page.locator('#robot-rows tr', { hasText: strictName }).locator('.status.enabled', { hasText: say.enabled }).waitFor();
    expect((await api('GET', `/robots/${strict.id}`)).enabled).toBe(true);
    await press(page.locator('#robot-cancel'));
  });

  it('filters records by robot, template, status and time; explains a failure and resends it; shows a pushed screenshot', async () => {
    const form = new FormData();
    form.append(
      'event',
      JSON.stringify({ eventId: `shot-${suffix}`, reportId, reportName: say.gmv, data: { value: '¥99', change: '+1%' } }),
    );
    form.append('screenshot', new Blob([chartPng([3, 5, 4, 8, 6, 9, 7])], { type: 'image/png' }), 'revenue-by-day.png');
    expect(
      (
        await fetch(`${service.apiUrl}/events/report-ready`, {
          method: 'POST',
          headers: { authorization: `Bearer ${service.publisherToken}` },
          body: form,
        })
      ).status,
    ).toBe(202);

    await press(page.getByRole('button', { name: say.records, exact: true }));
    await recordsDrawn(page);
    await page.locator('#record-robot').selectOption({ label: strictName });
    await page.locator('#record-status').selectOption('failed');
    await press(page.locator('#record-filters button[type="submit"]'));
    await recordsDrawn(page);
    const failedRow = page.locator('#record-rows tr', { hasText: strictName });
    await failedRow.locator('.status.failed', { hasText: say.failed }).waitFor();
    expect(await failedRow.textContent()).toContain(say.keyword310000);
    await press(failedRow.getByRole('button'));
    const dialog = page.locator('#record-dialog');
    await dialog.locator('#record-explain', { hasText: say.keyword310000 }).waitFor();
    await expectAccessible(page, 'failed record');
    await page.keyboard.press('Escape');
    await waitFor(
      () => dialog.evaluate((element) => (element as unknown as { open: boolean }).open),
      (open) => !open,
      { what: 'the dialog closed by Escape' },
    );
    // the focus comes back where it was, with its ring (the dialog's close event runs a moment after it closed)
    const focused = () =>
      page.evaluate(() => {
        const active = (globalThis as any).document.activeElement;
        return { row: (active?.closest('tr')?.textContent ?? '') as string, ring: Boolean(active?.matches(':focus-visible')) };
      });
    await waitFor(focused, ({ row, ring }) => row.includes(strictName) && ring, { what: 'the focus back on the record row, visibly' });
    await press(failedRow.getByRole('button'));
    await dialog.locator('#record-explain').waitFor();
    await press(dialog.locator('#record-resend'));
    await page.locator('#record-notice', { hasText: say.resent }).waitFor();

    // by template and time: the screenshot push, shown as the group saw it
    const template = (await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`)).items[0];
    await page.locator('#record-robot').selectOption('');
    await page.locator('#record-template').selectOption(template.id);
    await page.locator('#record-status').selectOption('sent');
    const local = (offsetMs: number) =>
      new Date(Date.now() + offsetMs - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.locator('#record-from').fill(local(-3_600_000));
    await page.locator('#record-to').fill(local(3_600_000));
    const sentRow = page.locator('#record-rows tr', { hasText: say.gmv }).filter({ has: page.locator('.status.sent') });
    for (let tries = 0; tries < 40 && (await sentRow.count()) === 0; tries++) {
      await press(page.locator('#record-filters button[type="submit"]'));
      await recordsDrawn(page);
      await page.waitForTimeout(500);
    }
    await sentRow.first().waitFor();
    // the robot's "send test" push from the robots task, named in the console's language
    expect(await page.locator('#record-rows').textContent()).toContain(say.testMessage);
    await expectAccessible(page, 'records');
    await page.screenshot({ path: join(docs, `console-records-${suffix}.png`) });
    await press(sentRow.first().getByRole('button'));
    const pushed = dialog.locator('.bubble img[alt="revenue-by-day.png"]');
    await pushed.waitFor();
    await waitFor(
      () => pushed.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      (width) => width === 360,
      { what: 'the pushed screenshot loaded in the record view' },
    );
    // both the group's view and the exact JSON read whole: at 1280 px side by side, on a phone one above the other
    const layout = () =>
      dialog.evaluate((element) => {
        const [seen, body] = [...element.querySelectorAll('.split > section')] as any[];
        const json = body.querySelector('pre');
        return {
          seenWidth: seen.getBoundingClientRect().width,
          jsonOverflows: json.scrollWidth > json.clientWidth + 1,
          dialogOverflows:
            element.scrollWidth > element.clientWidth + 1 || element.getBoundingClientRect().right > (globalThis as any).innerWidth + 1,
          stacked: body.getBoundingClientRect().top >= seen.getBoundingClientRect().bottom,
        };
      });
    expect(await layout()).toMatchObject({ jsonOverflows: false, dialogOverflows: false, stacked: false });
    expect((await layout()).seenWidth).toBeGreaterThan(400);
    await page.screenshot({ path: join(docs, `console-record-${suffix}.png`) });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await layout()).toMatchObject({ jsonOverflows: false, dialogOverflows: false, stacked: true });
    expect((await layout()).seenWidth).toBeGreaterThan(300);
    await page.screenshot({ path: join(docs, `console-record-phone-${suffix}.png`) });
    await page.setViewportSize({ width: 1280, height: 900 });
    await press(dialog.locator('#record-close'));

    // a time range with nothing in it says so, in the language
    await page.locator('#record-from').fill(local(-7_200_000));
    await page.locator('#record-to').fill(local(-3_600_000));
    await press(page.locator('#record-filters button[type="submit"]'));
    await recordsDrawn(page);
    await page.locator('#record-rows', { hasText: say.noRecords }).waitFor();
  });

  it('explains an uncertain push held for the admin, who marks one delivered and resends another', async () => {
    const template = (await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`)).items[0];
    // DingTalk (the simulator) takes both messages and the answers are lost on the way back
    const simulator = simulatorAt(() => service.simulatorUrl);
    const { token, webhookUrl } = await simulator.registerRobot({}, `held${suffix}0123456789`);
    await simulator.setFaults(token, { next: ['lost', 'lost'] });
    const heldName = language === 'zh-CN' ? `确认群 ${suffix}` : `Check group ${suffix}`;
    const held = await api('POST', '/robots', {
      name: heldName,
      webhookUrl,
      templateId: template.id,
      reports: [`${reportId}-held`],
      onUncertain: 'hold',
    });
    for (const n of [1, 2])
      await api(
        'POST',
        '/events/report-ready',
        { eventId: `held-${suffix}-${n}`, reportId: `${reportId}-held`, reportName: say.gmv, data: { value: String(n) } },
        service.publisherToken,
      );
    await waitFor(
      () => api('GET', `/push-records?robotId=${held.id}&status=unconfirmed`),
      (page) => page.items.length === 2,
      { timeoutMs: 30_000, what: 'two unconfirmed pushes' },
    );

    await press(page.getByRole('button', { name: say.records, exact: true }));
    await recordsDrawn(page);
    // the time range the previous task left would hide these pushes
    await page.locator('#record-from').fill('');
    await page.locator('#record-to').fill('');
    await page.locator('#record-robot').selectOption({ label: heldName });
    await page.locator('#record-status').selectOption('unconfirmed');
    await press(page.locator('#record-filters button[type="submit"]'));
    await recordsDrawn(page);
    const rows = page.locator('#record-rows tr').filter({ has: page.locator('.status.unconfirmed', { hasText: say.unconfirmed }) });
    await waitFor(
      () => rows.count(),
      (count) => count === 2,
      { what: 'two unconfirmed rows' },
    );
    const dialog = page.locator('#record-dialog');
    await press(rows.first().getByRole('button'));
    await dialog.locator('#record-uncertain', { hasText: say.uncertain }).waitFor();
    await expectAccessible(page, 'unconfirmed record');
    await press(dialog.locator('#record-confirm'));
    await page.locator('#record-notice', { hasText: say.confirmed }).waitFor();
    await recordsDrawn(page);
    await waitFor(
      () => rows.count(),
      (count) => count === 1,
      { what: 'one unconfirmed row left' },
    );
    await press(rows.first().getByRole('button'));
    await dialog.locator('#record-uncertain').waitFor();
    await press(dialog.locator('#record-resend'));
    await page.locator('#record-notice', { hasText: say.resent }).waitFor();
    const records = await waitFor(
      () => api('GET', `/push-records?robotId=${held.id}`),
      (page) => page.items.some((item: { status: string; resendOf?: string }) => item.resendOf && item.status === 'sent'),
      { timeoutMs: 30_000, what: 'the resend sent' },
    );
    expect(records.items.map((item: { status: string }) => item.status).sort()).toEqual(['sent', 'sent', 'unconfirmed']);
  });

  it('sets a pool, digests and quiet hours in the robot form with a digest preview; a digest lists its pushes, each opens its digest', async () => {
    const template = (await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`)).items[0];
    const simulator = simulatorAt(() => service.simulatorUrl);
    const own = await simulator.registerRobot({}, `digest${suffix}0123456789`);
    const extra = await simulator.registerRobot({}, `pool${suffix}0123456789`);
    const name = language === 'zh-CN' ? `汇总群 ${suffix}` : `Digest group ${suffix}`;
    await press(page.getByRole('button', { name: say.robots, exact: true }));
    await press(page.locator('#robot-new'));
    await page.locator('#robot-name').fill(name);
    await page.locator('#robot-template').selectOption(template.id);
    await page.locator('#robot-webhook').fill(own.webhookUrl);
    await page.locator('#robot-reports').fill(`${reportId}-digest`);
    await page.locator('#robot-pool').fill(extra.webhookUrl);
    await page.locator('#robot-digest').press('Space');
    await page.locator('#robot-digest-after').fill('1');
    await page.locator('#robot-quiet').press('Space');
    await page.locator('#robot-quiet-from').fill('22:00');
    await page.locator('#robot-quiet-to').fill('07:30');
    await page.locator('#robot-quiet-zone').fill('Asia/Shanghai');
    // from the keyboard, as every control here
    for (const day of ['sat', 'sun']) await page.locator(`#robot-quiet-days input[value="${day}"]`).press('Space');
    await press(page.locator('#robot-digest-preview'));
    // three pushes of the template's sample, merged: one line each
    await page.locator('#robot-digest-sample', { hasText: '3 条推送 · 3 pushes' }).waitFor();
    expect(await page.locator('#robot-digest-sample').textContent()).toMatch(/(•.*){3}/s);
    await expectAccessible(page, 'robot form with group settings');
    await page.screenshot({ path: join(docs, `console-robot-digest-${suffix}.png`) });
    await press(page.locator('#robot-form').getByRole('button', { name: say.save }));
    await page.locator('#robot-rows tr', { hasText: name }).waitFor();
    const robot = (await api('GET', `/robots?keyword=${encodeURIComponent(name)}`)).items[0];
    expect(robot).toMatchObject({
      pool: [{ webhookUrl: `${service.simulatorUrl}/robot/send?access_token=pool****`, hasSecret: false }],
      digest: { enabled: true, after: 1 },
      quietHours: { from: '22:00', to: '07:30', timeZone: 'Asia/Shanghai', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    });
    // out of its quiet hours for this test; the first push meets a 5xx and waits for its retry, the next two queue behind it
    await api('PATCH', `/robots/${robot.id}`, { quietHours: null });
    await simulator.setFaults(own.token, { next: ['http5xx'] });
    for (const n of [1, 2, 3])
      await api(
        'POST',
        '/events/report-ready',
        { eventId: `digest-${suffix}-${n}`, reportId: `${reportId}-digest`, reportName: say.gmv, data: { value: String(n) } },
        service.publisherToken,
      );
    const records = await waitFor(
      () => api('GET', `/push-records?robotId=${robot.id}`),
      (listed) =>
        listed.items.filter((item: { digestId?: string; status: string }) => item.digestId && item.status === 'sent').length === 3,
      { timeoutMs: 60_000, what: 'three pushes sent in one digest' },
    );
    const digest = records.items.find((item: { members?: string[] }) => item.members);
    expect(digest.members).toHaveLength(3);

    await press(page.getByRole('button', { name: say.records, exact: true }));
    await recordsDrawn(page);
    await page.locator('#record-from').fill('');
    await page.locator('#record-to').fill('');
    await page.locator('#record-robot').selectOption({ label: name });
    await page.locator('#record-status').selectOption('');
    await press(page.locator('#record-filters button[type="submit"]'));
    await recordsDrawn(page);
    const dialog = page.locator('#record-dialog');
    await press(page.locator(`#record-rows tr[data-id="${digest.id}"] button`));
    const members = dialog.locator('#record-members button');
    await waitFor(
      () => members.count(),
      (count) => count === 3,
      { what: "the digest's three pushes" },
    );
    expect(await dialog.locator('#record-resend').isHidden()).toBe(true);
    await expectAccessible(page, 'digest record');
    await page.screenshot({ path: join(docs, `console-digest-${suffix}.png`) });
    await press(members.first());
    await dialog.locator('#record-digest button').waitFor();
    await press(dialog.locator('#record-digest button'));
    await dialog.locator('#record-members').waitFor();
    await press(dialog.locator('#record-close'));
  });

  it('brings back 50 failed pushes with one "Resend all shown"', async () => {
    const template = (await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`)).items[0];
    const { webhookUrl } = await simulatorAt(() => service.simulatorUrl).registerRobot({}, `bulk${suffix}0123456789`);
    const bulkName = language === 'zh-CN' ? `批量群 ${suffix}` : `Bulk group ${suffix}`;
    // the robot asks for a keyword the template lacks: each push fails before it is sent
    const robot = await api('POST', '/robots', {
      name: bulkName,
      webhookUrl,
      templateId: template.id,
      reports: [`${reportId}-bulk`],
      keywords: ['NOT-IN-IT'],
    });
    for (let n = 0; n < 50; n++)
      await api(
        'POST',
        '/events/report-ready',
        { eventId: `bulk-${suffix}-${n}`, reportId: `${reportId}-bulk`, reportName: say.gmv, data: { value: String(n) } },
        service.publisherToken,
      );
    await waitFor(
      () => api('GET', `/push-records?robotId=${robot.id}&status=failed&limit=100`),
      (page) => page.items.length === 50,
      { timeoutMs: 60_000, what: '50 failed pushes' },
    );
    await api('PATCH', `/robots/${robot.id}`, { keywords: [] });

    await press(page.getByRole('button', { name: say.robots, exact: true }));
    await press(page.getByRole('button', { name: say.records, exact: true }));
    await recordsDrawn(page);
    // any status: the list may hold sent pushes, so there is nothing to resend all of
    await page.locator('#record-robot').selectOption({ label: bulkName });
    await page.locator('#record-status').selectOption('');
    await press(page.locator('#record-filters button[type="submit"]'));
    await recordsDrawn(page);
    expect(await page.locator('#records-resend-all').isDisabled()).toBe(true);
    await page.locator('#record-status').selectOption('failed');
    await press(page.locator('#record-filters button[type="submit"]'));
    await recordsDrawn(page);
    await waitFor(
      () => page.locator('#records-resend-all').isDisabled(),
      (disabled) => !disabled,
      { what: 'Resend all shown enabled' },
    );
    await press(page.locator('#records-resend-all'));
    await page.locator('#record-notice', { hasText: say.resentAll(50) }).waitFor();
    const resent = (await api('GET', `/push-records?robotId=${robot.id}&limit=100`)).items.filter(
      (item: { resendOf?: string }) => item.resendOf,
    );
    expect(resent).toHaveLength(50);
    await expectAccessible(page, 'records after a bulk resend');
  });

  it('makes an API token, shows its secret once with a copy button, rotates it and revokes the new one', async () => {
    const name = language === 'zh-CN' ? `报表发布 ${suffix}` : `BI nightly ${suffix}`;
    await press(page.getByRole('button', { name: say.tokens, exact: true }));
    await page.locator('#token-name').fill(name);
    await page.locator('#token-role').selectOption('viewer');
    await page.locator('#token-expiry').fill('30');
    await press(page.getByRole('button', { name: say.createToken }));
    await page.locator('#token-secret', { hasText: say.secretWarning }).waitFor();
    const secret = (await page.locator('#token-secret-value').textContent()) as string;
    expect(secret).toMatch(/^dp_[0-9A-Za-z]{61}$/);
    const row = page.locator('#token-rows tr', { hasText: name });
    // the list shows its first characters, never the secret
    expect(await row.textContent()).toContain(secret.slice(0, 11));
    expect(await page.locator('#token-rows').textContent()).not.toContain(secret.slice(11));
    await press(page.getByRole('button', { name: say.copy, exact: true }));
    await page.locator('#token-copied:not(:empty)').waitFor();
    expect((await api('GET', '/whoami', undefined, secret)).actor).toMatchObject({ type: 'token', role: 'viewer', name });
    await expectAccessible(page, 'tokens');
    await page.screenshot({ path: join(docs, `console-tokens-${suffix}.png`) });
    // rotate: a new secret shown once; the old one keeps working through the grace period
    await press(row.getByRole('button', { name: say.rotate(name) }));
    await page.waitForFunction((old) => (globalThis as any).document.getElementById('token-secret-value').textContent !== old, secret);
    const rotated = (await page.locator('#token-secret-value').textContent()) as string;
    expect((await api('GET', '/whoami', undefined, secret)).actor.role).toBe('viewer');
    // revoke the new one: refused at once
    const newRow = page.locator('#token-rows tr', { hasText: rotated.slice(0, 11) });
    page.once('dialog', (dialog) => void dialog.accept());
    await press(newRow.getByRole('button', { name: say.revoke(name) }));
    await page.locator('#token-notice', { hasText: say.revoked(name) }).waitFor();
    expect((await api('GET', '/whoami', undefined, rotated)).error.code).toBe('Unauthorized');
  });

  it('reads the audit log: who changed what, field by field, and exports it as CSV', async () => {
    // a change with a secret in it: the log shows that it changed, never its value
    const robot = (await api('GET', `/robots?keyword=${encodeURIComponent(robotName)}`)).items[0];
    const secret = `SEC${'0123456789abcdef'.repeat(4)}`;
    await api('PATCH', `/robots/${robot.id}`, { secret, keywords: ['KPI'] });
    await api('PATCH', `/robots/${robot.id}`, { secret: null, keywords: robot.keywords });
    await press(page.getByRole('button', { name: say.audit, exact: true }));
    await page.locator('#audit-action').selectOption('robot.update');
    await page.locator('#audit-target').fill(robot.id);
    await press(page.locator('#audit-filters').getByRole('button'));
    const first = page.locator('#audit-rows tr').first();
    await first.locator('button').waitFor();
    await press(first.getByRole('button', { name: new RegExp(say.changes) }));
    const detail = page.locator('#audit-rows tr.audit-detail');
    await detail.locator('table').waitFor();
    const text = (await detail.textContent()) as string;
    expect(text).toContain('secret<sealed>—');
    expect(text).toContain('keywords["KPI"]');
    expect(await page.locator('#audit').textContent()).not.toContain(secret);
    await expectAccessible(page, 'audit log');
    await page.screenshot({ path: join(docs, `console-audit-${suffix}.png`) });
    const download = page.waitForEvent('download');
    await press(page.getByRole('button', { name: say.exportCsv }));
    const file = await (await download).path();
    const csv = readFileSync(file as string, 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'at,action,result,actorType,actorId,actorName,targetType,targetId,targetName,changes,requestId,sourceIp,userAgent',
    );
    expect(csv).toContain('robot.create');
  });

  it('offers a viewer what a viewer may do: robots and records to read, nothing to change, no admin pages', async () => {
    const viewer = await api('POST', '/tokens', { name: `viewer ${suffix}`, role: 'viewer' });
    const context = await browser.newContext({ locale: language, viewport: { width: 1280, height: 900 } });
    const viewerPage = await context.newPage();
    try {
      await viewerPage.goto(service.apiUrl);
      await viewerPage.getByLabel(say.token).fill(viewer.token);
      await viewerPage.getByLabel(say.token).press('Enter');
      await viewerPage.locator('#robot-rows tr', { hasText: robotName }).waitFor();
      expect(await viewerPage.locator('#whoami').textContent()).toContain(say.viewer);
      expect(await viewerPage.getByRole('button', { name: say.tokens, exact: true }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: say.audit, exact: true }).count()).toBe(0);
      expect(await viewerPage.locator('#robot-new').isVisible()).toBe(false);
      expect(await viewerPage.locator('#robot-rows button[data-action="edit"]').first().isVisible()).toBe(false);
      await press(viewerPage.getByRole('button', { name: say.records, exact: true }));
      await viewerPage.locator('#record-rows tr').first().waitFor();
      await expectAccessible(viewerPage, 'a viewer’s records');
    } finally {
      await context.close();
    }
  });

  it('lets the instance admin create a workspace and switch to it, then back', async () => {
    const name = language === 'zh-CN' ? `财务部 ${suffix}` : `Finance ${suffix}`;
    await press(page.getByRole('button', { name: say.workspaces, exact: true }));
    await page.locator('#workspace-name').fill(name);
    await page.locator('#workspace-slug').fill(`finance-${suffix}`);
    await press(page.getByRole('button', { name: say.createWorkspace }));
    await page.locator('#workspace-rows tr', { hasText: name }).waitFor();
    await expectAccessible(page, 'workspaces');
    const created = (await api('GET', '/workspaces?limit=100')).items.find(
      (workspace: { slug: string }) => workspace.slug === `finance-${suffix}`,
    );
    await page.getByLabel(say.workspaceSwitch, { exact: true }).selectOption(created.id);
    await page.locator('#whoami', { hasText: name }).waitFor();
    await press(page.getByRole('button', { name: say.robots, exact: true }));
    // a new workspace has none of the default one's robots
    await page.locator('#robot-rows td[colspan]').waitFor();
    expect(await page.locator('#robot-rows').textContent()).not.toContain(robotName);
    await page.getByLabel(say.workspaceSwitch, { exact: true }).selectOption('default');
    await page.locator('#robot-rows tr', { hasText: robotName }).waitFor();
  });

  it('registers a DingTalk app, adds a robot from a group its callback found, shows who read a push, and recalls it', async () => {
    const simulatorControl = (path: string, body: unknown) => simulatorAt(() => service.simulatorUrl).control('POST', path, body);
    const appKey = `dingconsole${suffix}`;
    await simulatorControl('/_sim/apps', { appKey, appSecret: `secret-${suffix}` });
    await press(page.getByRole('button', { name: say.apps, exact: true }));
    await page.locator('#app-name').fill(`BI ${suffix}`);
    await page.locator('#app-key').fill(appKey);
    await page.locator('#app-secret').fill(`secret-${suffix}`);
    await press(page.getByRole('button', { name: say.registerApp }));
    // registered when the page says so (it names the callback URL to set in DingTalk)
    await page.locator('#app-notice:not(:empty)').waitFor();
    const app = (await api('GET', '/dingtalk-apps?limit=100')).items.find((item: { appKey: string }) => item.appKey === appKey);
    await page.locator('#app-rows tr', { hasText: app.callbackUrl }).waitFor();
    // someone @-mentions the robot in a group: DingTalk's signed callback reaches npm start
    const groupTitle = language === 'zh-CN' ? '销售经理群' : 'Sales managers';
    const callback = await simulatorControl('/_sim/apps/callback', {
      appKey,
      url: app.callbackUrl,
      openConversationId: `cid${suffix}`,
      title: groupTitle,
    });
    expect(callback.status).toBe(200);
    await press(page.getByRole('button', { name: say.apps, exact: true }));
    await page.locator('#app-rows tr', { hasText: groupTitle }).waitFor();
    await expectAccessible(page, 'DingTalk apps');
    await page.screenshot({ path: join(docs, `console-apps-${suffix}.png`) });

    const templates = await api('GET', `/templates?keyword=${encodeURIComponent(`${say.kpiStarter} ${suffix}`)}`);
    const appRobotName = `${robotName} app`;
    await press(page.getByRole('button', { name: say.robots, exact: true }));
    await press(page.locator('#robot-new'));
    await page.locator('#robot-name').fill(appRobotName);
    await page.locator('#robot-channel').selectOption('dingtalk-app');
    await page.locator('#robot-app').selectOption(app.id);
    await page.locator('#robot-app-group').selectOption(`cid${suffix}`);
    await page.locator('#robot-template').selectOption(templates.items[0].id);
    await page.locator('#robot-reports').fill(`app-${suffix}`);
    await expectAccessible(page, 'app robot form');
    await press(page.locator('#robot-form').getByRole('button', { name: say.save }));
    // saved (the notice names it), or refused (the form says why, and the test with it)
    await page.locator(`#robot-notice:has-text("${appRobotName}"), #robot-errors:not(:empty)`).first().waitFor();
    expect(await page.locator('#robot-errors').textContent()).toBe('');
    const robot = (await api('GET', `/robots?keyword=${encodeURIComponent(appRobotName)}`)).items[0];
    expect(robot).toMatchObject({ channel: 'dingtalk-app', app: { appId: app.id, openConversationId: `cid${suffix}` } });

    await api(
      'POST',
      '/events/report-ready',
      { eventId: `app-${suffix}-1`, reportId: `app-${suffix}`, reportName: 'GMV', data: { value: '¥1.2M', change: '+8%' } },
      service.publisherToken,
    );
    const record = await waitFor(
      () => api('GET', `/push-records?robotId=${robot.id}`).then((answer) => answer.items[0]),
      (item) => item?.status === 'sent',
      { what: 'the app robot push sent' },
    );
    const detail = await api('GET', `/push-records/${record.id}`);
    await simulatorControl('/_sim/apps/reads', { processQueryKey: detail.messageKeys[0], userIds: ['staff-001', 'staff-002'] });
    await press(page.getByRole('button', { name: say.records, exact: true }));
    // the filters the earlier tests left, cleared: this robot's records only
    for (const id of ['#record-keyword', '#record-from', '#record-to']) await page.locator(id).fill('');
    for (const id of ['#record-template', '#record-channel', '#record-status']) await page.locator(id).selectOption('');
    await page.locator('#record-robot').selectOption(robot.id);
    await press(page.locator('#record-filters').getByRole('button'));
    await recordsDrawn(page);
    await press(page.locator('#record-rows tr').first().locator('button'));
    await page.locator('#record-reads', { hasText: say.readBy }).waitFor();
    await expectAccessible(page, 'an app robot push with its reads');
    await page.screenshot({ path: join(docs, `console-app-record-${suffix}.png`) });
    page.once('dialog', (dialog) => void dialog.accept());
    await press(page.getByRole('button', { name: say.recall, exact: true }));
    await page.locator('#record-notice', { hasText: say.recalled }).waitFor();
    await page.locator('#record-detail .status', { hasText: say.recalledStatus }).waitFor();
    expect((await api('GET', `/push-records/${record.id}`)).status).toBe('recalled');
    await page.keyboard.press('Escape');
  });

  it('switches language from the keyboard and remembers it', async () => {
    const other = language === 'zh-CN' ? 'en' : 'zh-CN';
    await page.locator('#language').focus();
    await page.locator('#language').selectOption(other);
    await page.getByRole('button', { name: words[other].records, exact: true }).waitFor();
    await page.reload();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang as string)).toBe(other);
    await page.locator('#language').selectOption(language);
    await page.getByRole('button', { name: say.records, exact: true }).waitFor();
  });
});

it('counts the day’s pushes in the chart', async () => {
  const context = await browser.newContext({ locale: 'en' });
  const page = await context.newPage();
  await page.goto(service.apiUrl);
  await page.getByLabel('API token').fill(service.adminToken);
  await page.getByRole('button', { name: 'Open the console' }).click();
  await page.locator('#chart .day').last().locator('.sent').waitFor();
  expect(await page.locator('#chart .day').count()).toBe(14);
  expect(await page.locator('#chart .day').last().getAttribute('title')).toMatch(/\d+ sent, \d+ failed/);
  await context.close();
});
