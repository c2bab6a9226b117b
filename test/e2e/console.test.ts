// The admin console in real headless Chromium (Debian's package, driven by playwright-core) against
// `npm start`: add a template and a robot, toggle the robot, publish an event, find its record by
// keyword and open its content. Screenshots of each page go to docs/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chartPng } from '../support/chartPng';
import { waitFor } from '../support/waitFor';
import { startLocalService, type LocalService } from '../support/localService';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const docs = join(__dirname, '..', '..', 'docs');
let service: LocalService;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`No Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  mkdirSync(docs, { recursive: true });
  service = await startLocalService();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

it('lets an admin manage robots and templates and inspect what was pushed', async () => {
  await page.goto(service.apiUrl);
  await page.getByLabel('Admin token').fill(service.adminToken);
  await page.getByRole('button', { name: 'Open the console' }).click();
  await page.getByRole('heading', { name: 'Robots' }).waitFor();

  // a template, with the live preview rendered the way DingTalk shows it
  await page.getByRole('button', { name: 'Templates' }).click();
  await page.getByRole('button', { name: 'New template' }).click();
  await page.locator('#template-name').fill('Console sales');
  await page.getByLabel('Sample report event').fill('{"reportName": "Daily sales", "data": {"revenue": "¥42"}}');
  await page.locator('#preview strong', { hasText: '¥42' }).waitFor();
  await page.locator('#template-form').getByRole('button', { name: 'Save' }).click();
  await page.locator('#template-rows', { hasText: 'Console sales' }).waitFor();

  // a robot: validation messages come from the API, then a good save
  await page.getByRole('button', { name: 'Robots' }).click();
  await page.getByRole('button', { name: 'Add robot' }).click();
  await page.locator('#robot-name').fill('Console robot');
  await page.locator('#robot-webhook').fill('https://example.com/not-dingtalk');
  await page.locator('#robot-form').getByRole('button', { name: 'Save' }).click();
  await page.locator('#robot-errors', { hasText: 'webhookUrl' }).waitFor();
  await page.locator('#robot-webhook').fill(`${service.simulatorUrl}/robot/send?access_token=consoletoken0123456789`);
  await page.locator('#robot-reports').fill('console-report');
  await page.locator('#robot-form').getByRole('button', { name: 'Save' }).click();
  const row = page.locator('#robot-rows tr', { hasText: 'Console robot' });
  await row.waitFor();
  expect(await row.textContent()).not.toContain('consoletoken0123456789');

  // toggle it off and on again
  await row.getByRole('button', { name: 'Disable Console robot' }).click();
  await page.locator('#robot-rows tr', { hasText: 'Console robot' }).locator('.status.disabled').waitFor();
  await page.locator('#robot-rows tr', { hasText: 'Console robot' }).getByRole('button', { name: 'Enable Console robot' }).click();
  await page.locator('#robot-rows tr', { hasText: 'Console robot' }).locator('.status.enabled').waitFor();

  // the BI platform publishes with a screenshot; the admin finds the push by keyword and opens it
  const form = new FormData();
  form.append('event', JSON.stringify({ eventId: 'console-event-1', reportId: 'console-report', reportName: 'Console report', data: { revenue: '¥99' } }));
  form.append('screenshot', new Blob([chartPng([3, 5, 4, 8, 6, 9, 7])], { type: 'image/png' }), 'revenue-by-day.png');
  const published = await fetch(`${service.apiUrl}/events/report-ready`, { method: 'POST', headers: { authorization: `Bearer ${service.publisherToken}` }, body: form });
  expect(published.status).toBe(202);

  await page.getByRole('button', { name: 'Push records' }).click();
  await page.getByLabel('Robot or template name').fill('console ROBOT');
  for (let tries = 0; tries < 40; tries++) {
    await page.getByRole('button', { name: 'Search' }).click();
    if (await page.locator('#record-rows .status.sent').count()) break;
    await page.waitForTimeout(500);
  }
  await page.locator('#record-rows .status.sent').waitFor();
  await page.screenshot({ path: join(docs, 'console-records.png') });
  await page.getByRole('button', { name: 'View content' }).first().click();
  const dialog = page.locator('#record-dialog');
  await dialog.locator('.bubble strong', { hasText: '¥99' }).waitFor();
  expect(await dialog.textContent()).toContain('Console sales v1 (markdown)');
  expect(await dialog.locator('pre').first().textContent()).toContain('"msgtype": "markdown"');
  // the screenshot, as the group saw it: loaded from the API's open image URL
  const pushed = dialog.locator('.bubble img[alt="revenue-by-day.png"]');
  await pushed.waitFor();
  await waitFor(() => pushed.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), (width) => width === 360, { what: 'the pushed screenshot loaded in the record view' });
  const imageUrl = (await pushed.getAttribute('src')) as string;
  expect(imageUrl).toMatch(/\/images\/[\w-]{24}$/);
  await page.screenshot({ path: join(docs, 'console-record.png') });
  await dialog.getByRole('button', { name: 'Close' }).click();

  // the template's live preview with that screenshot in its sample event
  await page.getByRole('button', { name: 'Templates' }).click();
  await page.locator('#template-rows tr', { hasText: 'Console sales' }).getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Sample report event').fill(JSON.stringify({ reportName: 'Daily sales', data: { revenue: '¥42' }, images: [{ name: 'revenue-by-day.png', url: imageUrl }] }));
  const previewed = page.locator('#preview img[alt="revenue-by-day.png"]');
  await previewed.waitFor();
  await waitFor(() => previewed.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), (width) => width === 360, { what: 'the screenshot loaded in the preview' });
  await page.screenshot({ path: join(docs, 'console-templates.png') });
  await page.locator('#template-form').getByRole('button', { name: 'Cancel' }).click();

  // a tool's starter: one click creates the template and opens it, previewed with the starter's sample event
  await page.getByLabel("Start from a tool's starter").selectOption('alertmanager');
  await page.getByRole('button', { name: 'Create from starter' }).click();
  await page.locator('#preview', { hasText: 'Alert firing' }).waitFor();
  expect(await page.locator('#preview').textContent()).toContain('OrdersPipelineStalled');
  await page.locator('#template-form').getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#template-rows', { hasText: 'Alertmanager alert' }).waitFor();

  // the chart now shows today's push
  await page.getByRole('button', { name: 'Robots' }).click();
  await page.locator('#chart .day').last().locator('.sent').waitFor();
  expect(await page.locator('#chart .day').count()).toBe(14);
  expect(await page.locator('#chart .day').last().getAttribute('title')).toMatch(/1 sent/);
  await page.screenshot({ path: join(docs, 'console-robots.png') });
}, 180_000);
