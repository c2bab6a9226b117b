// dingpush console: plain JavaScript over the same HTTP API (no build step, no external resources), in
// Chinese and English: every word the page shows comes from `messages` (words.js), dates and numbers from
// Intl. Pages are built as DOM nodes with h(), never as HTML text: what an API answer holds is only ever text.
'use strict';
/* global messages, signedIn, describeSignIn, loadTokens, loadAudit, loadWorkspaces, loadApps, showAppChoices, appTargetFromForm, showAppRecord, appContentAsDingTalk -- from console/words.js, teams.js and apps.js */

const languages = Object.keys(messages);
function initialLanguage() {
  const saved = localStorage.getItem('dingpush.language');
  if (languages.includes(saved)) return saved;
  return (navigator.languages ?? [navigator.language]).some((tag) => /^zh\b/i.test(tag)) ? 'zh-CN' : 'en';
}

const state = {
  token: sessionStorage.getItem('dingpush.token'),
  /** GET /whoami: the workspace and the role the token acts as. */
  me: null,
  /** The workspace an instance admin switched to (the header Dingpush-Workspace); the token's own otherwise. */
  workspace: sessionStorage.getItem('dingpush.workspace'),
  language: initialLanguage(),
  templates: [],
  robots: {},
  editingRobot: null,
  editingTemplate: null,
  cursors: [null],
  page: 0,
  openRecord: null,
  tab: 'robots',
};
const $ = (id) => document.getElementById(id);

/** The sentence for `key` in the chosen language, with {name} placeholders filled in. */
function t(key, values = {}) {
  const text = messages[state.language][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}
const formatTime = (iso) => new Intl.DateTimeFormat(state.language, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
const formatNumber = (value) => new Intl.NumberFormat(state.language).format(value);
const formatDay = (date) =>
  new Intl.DateTimeFormat(state.language, { month: 'numeric', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

function applyLanguage() {
  document.documentElement.lang = state.language;
  document.title = t('app.title');
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-aria-label]'))
    element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel));
  $('language').value = state.language;
}

$('language').addEventListener('change', () => {
  state.language = $('language').value;
  localStorage.setItem('dingpush.language', state.language);
  applyLanguage();
  if (state.token && state.me) {
    describeSignIn();
    showTab(state.tab);
  }
});

/** An element with attributes (left out when false, null or undefined; `style` may be an object) and children (strings become text). */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'style') Object.assign(element.style, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...present(children));
  return element;
}
const present = (children) =>
  children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false && child !== '');
/** Replaces what `target` shows. */
const show = (target, ...children) => target.replaceChildren(...present(children));

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.details = body?.error?.details ?? [];
  }
}

/** The answer as fetch gives it (a 401 signs out); a refusal or failure as an ApiError. */
async function request(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${state.token}`,
        ...(state.workspace && { 'dingpush-workspace': state.workspace }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { error: { code: 'network' } });
  }
  if (response.ok) return response;
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status === 401) showLogin(t('login.rejected'));
  throw new ApiError(response.status, parsed);
}

async function api(method, path, body) {
  const response = await request(method, path, body);
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

/** A translated sentence for the API's known codes (its own message otherwise), then every field it named. */
function describeError(error) {
  if (!(error instanceof ApiError)) return String(error.message ?? error);
  const known = messages.en[`error.${error.code}`] !== undefined;
  const lines = error.details.map((detail) => `${detail.path.replace(/^\//, '') || 'body'}: ${detail.message}`);
  return [known ? t(`error.${error.code}`) : error.message, ...lines].join('\n');
}

/** A DingTalk answer in words: the errcode, what it means, and DingTalk's own errmsg. */
function explainAnswer(errcode, errmsg) {
  if (errcode === undefined || errcode === null) return errmsg ?? '';
  const code = errcode >= 430101 && errcode <= 430104 ? 430101 : errcode;
  const meaning = messages.en[`errcode.${code}`] !== undefined ? ` ${t(`errcode.${code}`)}` : '';
  return `${errcode}.${meaning}${errmsg ? ` (${errmsg})` : ''}`;
}

// ---- navigation and sign-in ----
const sections = ['robots', 'templates', 'records', 'tokens', 'apps', 'audit', 'workspaces', 'publisher-only'];
const tabLoads = {
  robots: () => loadRobots(),
  templates: () => loadTemplates(),
  records: () => openRecords(),
  tokens: () => loadTokens(),
  apps: () => loadApps(),
  audit: () => loadAudit(),
  workspaces: () => loadWorkspaces(),
};

function showTab(name) {
  // a tab the role does not offer (a saved one after signing in with another token) falls back to the first offered
  const offered = [...document.querySelectorAll('nav button')].filter((button) => !button.hidden).map((button) => button.dataset.tab);
  const tab = offered.includes(name) ? name : (offered[0] ?? 'publisher-only');
  state.tab = tab;
  for (const button of document.querySelectorAll('nav button'))
    button.setAttribute('aria-current', button.dataset.tab === tab ? 'page' : 'false');
  for (const id of sections) $(id).hidden = id !== tab;
  $('login').hidden = true;
  tabLoads[tab]?.();
}

function showLogin(message) {
  for (const id of sections) $(id).hidden = true;
  $('login').hidden = false;
  $('sign-out').hidden = true;
  $('whoami').textContent = '';
  $('workspace-switcher').hidden = true;
  $('login-errors').textContent = message ?? '';
  $('token').focus();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.token = $('token').value.trim();
  state.workspace = null;
  sessionStorage.removeItem('dingpush.workspace');
  try {
    await signedIn();
    sessionStorage.setItem('dingpush.token', state.token);
    showTab('robots');
  } catch (error) {
    $('login-errors').textContent = describeError(error);
  }
});
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem('dingpush.token');
  sessionStorage.removeItem('dingpush.workspace');
  state.token = null;
  state.workspace = null;
  state.me = null;
  showLogin();
});
for (const button of document.querySelectorAll('nav button')) button.addEventListener('click', () => showTab(button.dataset.tab));

/** Starts a load of a list and says later whether it is still the newest: answers may come back out of order. */
const loadsStarted = {};
function newestLoad(list) {
  const load = (loadsStarted[list] = (loadsStarted[list] ?? 0) + 1);
  return () => loadsStarted[list] === load;
}

// ---- robots ----
async function loadTemplatesList() {
  state.templates = (await api('GET', '/templates?limit=100')).items;
  show(
    $('robot-template'),
    state.templates.map((tpl) => h('option', { value: tpl.id }, tpl.name)),
  );
}

function disabledText(robot) {
  if (robot.enabled) return '';
  const automatic = robot.disabledAutomatically;
  if (!automatic) return t('robots.adminDisabled');
  const one =
    new Intl.PluralRules(state.language).select(automatic.failures) === 'one' && messages[state.language]['robots.autoDisabledOne'];
  return t(one ? 'robots.autoDisabledOne' : 'robots.autoDisabled', {
    failures: formatNumber(automatic.failures),
    answer: explainAnswer(automatic.errcode, automatic.errmsg),
  });
}

async function loadRobots() {
  loadChart();
  const isNewest = newestLoad('robots');
  const channel = $('robot-channel-filter').value;
  const { items } = await api('GET', `/robots?limit=100${channel ? `&channel=${channel}` : ''}`);
  if (!isNewest()) return;
  state.robots = Object.fromEntries(items.map((robot) => [robot.id, robot]));
  const rows = items.map((robot) => {
    const toggle = robot.enabled ? 'disable' : 'enable';
    return h(
      'tr',
      { 'data-id': robot.id },
      h('td', {}, robot.name, !robot.enabled && h('div', { class: 'muted' }, disabledText(robot))),
      h('td', {}, t(`channel.${robot.channel}`)),
      h('td', { class: 'muted' }, robot.webhookUrl),
      h('td', {}, robot.templateName ?? robot.templateId),
      h(
        'td',
        {},
        h('span', { class: `status ${robot.enabled ? 'enabled' : 'disabled'}` }, t(robot.enabled ? 'status.enabled' : 'status.disabled')),
      ),
      h(
        'td',
        { style: { whiteSpace: 'nowrap' } },
        h(
          'button',
          { class: 'needs-edit', 'data-action': 'toggle', 'aria-label': t(`robots.${toggle}Named`, { name: robot.name }) },
          t(`robots.${toggle}`),
        ),
        ' ',
        h(
          'button',
          { class: 'needs-edit', 'data-action': 'edit', 'aria-label': t('robots.editNamed', { name: robot.name }) },
          t('robots.edit'),
        ),
        ' ',
        h(
          'button',
          { class: 'needs-edit', 'data-action': 'test', 'aria-label': t('robots.testNamed', { name: robot.name }) },
          t('robots.test'),
        ),
      ),
    );
  });
  show($('robot-rows'), rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, t('robots.empty'))));
}

$('robot-channel-filter').addEventListener('change', () => loadRobots());

/** The robot form for a channel: its webhook's shape, and no secret for WeCom (its key is in the URL). */
function showChannelFields(channel, robot) {
  // an app robot has no webhook, secret or pool: it names its app and group
  const appRobot = channel === 'dingtalk-app';
  $('robot-app-fields').hidden = !appRobot;
  for (const id of ['robot-webhook-fields', 'robot-secret-field', 'robot-pool-fields']) $(id).hidden = appRobot;
  if (appRobot) {
    showAppChoices(robot);
    return;
  }
  $('robot-webhook').placeholder = robot ? t('field.webhookKeep', { masked: robot.webhookUrl }) : webhookExamples[channel];
  $('robot-secret').disabled = channel === 'wecom';
  $('robot-secret-hint').textContent = t(`secret.${channel}`);
}

const webhookExamples = {
  dingtalk: 'https://oapi.dingtalk.com/robot/send?access_token=...',
  wecom: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...',
  feishu: 'https://open.feishu.cn/open-apis/bot/v2/hook/...',
};
$('robot-channel').addEventListener('change', () => showChannelFields($('robot-channel').value));

/** Sends one test message and says in words what came of it, in `target`. */
async function sendTest(robot, target, button) {
  button.disabled = true;
  target.textContent = t('test.sending');
  try {
    const record = await api('POST', `/robots/${robot.id}/test`, {});
    if (record.status === 'sent') target.textContent = t('test.sent', { name: robot.name });
    else if (record.status === 'failed' || record.status === 'skipped')
      target.textContent = t('test.failed', { name: robot.name, answer: explainAnswer(record.errcode, record.errmsg) });
    else if (record.status === 'unconfirmed') target.textContent = t('records.unconfirmedNote');
    else target.textContent = t('test.waiting', { name: robot.name, status: t(`status.${record.status}`) });
  } catch (error) {
    target.textContent = describeError(error);
  } finally {
    button.disabled = false;
  }
}

async function setEnabled(robot, enabled) {
  await api('POST', `/robots/${robot.id}/${enabled ? 'enable' : 'disable'}`);
  $('robot-notice').textContent = t(enabled ? 'robots.enabled' : 'robots.disabled', { name: robot.name });
  await loadRobots();
}

$('robot-rows').addEventListener('click', async (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const robot = state.robots[button.closest('tr').dataset.id];
  $('robot-notice').textContent = '';
  try {
    if (button.dataset.action === 'toggle') await setEnabled(robot, !robot.enabled);
    else if (button.dataset.action === 'edit') await openRobotForm(robot);
    else if (button.dataset.action === 'test') await sendTest(robot, $('robot-notice'), button);
  } catch (error) {
    $('robot-notice').textContent = describeError(error);
  }
});

async function openRobotForm(robot) {
  await loadTemplatesList();
  state.editingRobot = robot ?? null;
  $('robot-form-title').textContent = robot ? t('robots.formEdit', { name: robot.name }) : t('robots.formAdd');
  $('robot-name').value = robot?.name ?? '';
  $('robot-webhook').value = '';
  // a robot's channel is fixed once it exists: its webhook belongs to that service
  // a new robot starts on the service the API defaults to
  $('robot-channel').value = robot ? robot.channel : 'dingtalk';
  $('robot-channel').disabled = Boolean(robot);
  showChannelFields($('robot-channel').value, robot);
  $('robot-secret').value = '';
  $('robot-reports').value = (robot?.reports ?? ['*']).join(', ');
  $('robot-keywords').value = (robot?.keywords ?? []).join(', ');
  $('robot-uncertain').value = robot?.onUncertain ?? 'resend';
  $('robot-pool').value = '';
  $('robot-pool').placeholder = (robot?.pool ?? []).map((webhook) => webhook.webhookUrl).join('\n');
  $('robot-digest').checked = Boolean(robot?.digest?.enabled);
  $('robot-digest-after').value = robot?.digest?.after ?? '';
  show($('robot-digest-sample'));
  const quiet = robot?.quietHours;
  $('robot-quiet').checked = Boolean(quiet);
  $('robot-quiet-from').value = quiet?.from ?? '22:00';
  $('robot-quiet-to').value = quiet?.to ?? '08:00';
  $('robot-quiet-zone').value = quiet?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const box of $('robot-quiet-days').querySelectorAll('input')) box.checked = !quiet?.days || quiet.days.includes(box.value);
  if (robot) $('robot-template').value = robot.templateId;
  $('robot-disabled').hidden = !robot || robot.enabled;
  $('robot-disabled-text').textContent = robot ? disabledText(robot) : '';
  $('robot-test').hidden = !robot;
  $('robot-test-result').textContent = '';
  $('robot-errors').textContent = '';
  $('robot-form').hidden = false;
  $('robot-name').focus();
}

const commaList = (text) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

$('robot-new').addEventListener('click', () => openRobotForm());
$('robot-cancel').addEventListener('click', () => ($('robot-form').hidden = true));
$('robot-test').addEventListener('click', () => sendTest(state.editingRobot, $('robot-test-result'), $('robot-test')));
$('robot-reenable').addEventListener('click', async () => {
  try {
    await setEnabled(state.editingRobot, true);
    state.editingRobot = state.robots[state.editingRobot.id];
    $('robot-disabled').hidden = true;
    $('robot-test').focus();
  } catch (error) {
    $('robot-errors').textContent = describeError(error);
  }
});
$('robot-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {
    name: $('robot-name').value,
    templateId: $('robot-template').value,
    reports: commaList($('robot-reports').value),
    keywords: commaList($('robot-keywords').value),
    onUncertain: $('robot-uncertain').value,
  };
  if (!state.editingRobot) body.channel = $('robot-channel').value;
  Object.assign(body, groupSettingsFromForm());
  if ($('robot-channel').value === 'dingtalk-app') {
    body.app = appTargetFromForm();
    delete body.pool;
  } else {
    if ($('robot-webhook').value || !state.editingRobot) body.webhookUrl = $('robot-webhook').value;
    if ($('robot-secret').value) body.secret = $('robot-secret').value;
  }
  try {
    if (state.editingRobot) await api('PATCH', `/robots/${state.editingRobot.id}`, body);
    else await api('POST', '/robots', body);
    $('robot-form').hidden = true;
    $('robot-notice').textContent = t('robots.saved', { name: body.name });
    await loadRobots();
  } catch (error) {
    $('robot-errors').textContent = describeError(error);
  }
});

/** Pool, digest and quiet hours as the API takes them. An empty pool box keeps the pool; "-" removes it. */
function groupSettingsFromForm() {
  const settings = {};
  const poolText = $('robot-pool').value.trim();
  if (poolText === '-') settings.pool = [];
  else if (poolText)
    settings.pool = poolText.split('\n').flatMap((line) => {
      const [webhookUrl, secret] = line.trim().split(/\s+/);
      return webhookUrl ? [{ webhookUrl, ...(secret && { secret }) }] : [];
    });
  const after = $('robot-digest-after').value;
  settings.digest = { enabled: $('robot-digest').checked, ...(after && { after: Number(after) }) };
  const days = [...$('robot-quiet-days').querySelectorAll('input:checked')].map((box) => box.value);
  if ($('robot-quiet').checked)
    settings.quietHours = {
      from: $('robot-quiet-from').value,
      to: $('robot-quiet-to').value,
      timeZone: $('robot-quiet-zone').value.trim(),
      ...(days.length < 7 && { days }),
    };
  else if (state.editingRobot?.quietHours) settings.quietHours = null;
  return settings;
}

$('robot-digest-preview').addEventListener('click', async () => {
  try {
    const preview = await api('POST', `/templates/${$('robot-template').value}/preview`, {
      digest: true,
      ...(state.editingRobot && { robotId: state.editingRobot.id }),
    });
    show($('robot-digest-sample'), h('div', { class: 'phone' }, h('div', { class: 'bubble' }, renderDingTalk(preview.digest.message))));
  } catch (error) {
    show($('robot-digest-sample'), h('p', { class: 'errors' }, describeError(error)));
  }
});

// ---- chart: pushes per day by status ----
async function loadChart() {
  const { days } = await api('GET', '/push-statistics?days=14');
  const highest = Math.max(1, ...days.map((day) => day.sent + day.failed + day.skipped));
  show(
    $('chart'),
    days.map((day) => {
      const bar = (status) => h('span', { class: status, style: { height: `${(100 * day[status]) / highest}%` } });
      const title = t('chart.day', {
        date: formatDay(day.date),
        sent: formatNumber(day.sent),
        failed: formatNumber(day.failed),
        skipped: formatNumber(day.skipped),
      });
      return h('div', { class: 'day', title }, bar('sent'), bar('failed'), bar('skipped'));
    }),
  );
  show(
    $('chart-labels'),
    days.map((day) => h('span', {}, formatDay(day.date))),
  );
}

// ---- templates and live preview ----
let starters = [];
async function loadStarters() {
  starters = (await api('GET', '/template-starters')).items;
}

async function loadTemplates() {
  const isNewest = newestLoad('templates');
  await Promise.all([loadTemplatesList(), starters.length > 0 || loadStarters()]);
  if (!isNewest()) return;
  show(
    $('template-starter'),
    starters.map((starter) => h('option', { value: starter.id }, `${starter.templates[state.language].name} (${starter.reportId})`)),
  );
  const rows = state.templates.map((tpl) =>
    h(
      'tr',
      { 'data-id': tpl.id },
      h('td', {}, tpl.name),
      h('td', {}, tpl.msgType),
      h('td', {}, formatNumber(tpl.version)),
      h('td', {}, formatNumber(tpl.robotCount ?? 0)),
      h(
        'td',
        {},
        h(
          'button',
          { class: 'needs-edit', 'data-action': 'edit', 'aria-label': t('templates.editNamed', { name: tpl.name }) },
          t('robots.edit'),
        ),
      ),
    ),
  );
  show($('template-rows'), rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, t('templates.empty'))));
}

$('template-rows').addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (button) openTemplateForm(state.templates.find((tpl) => tpl.id === button.closest('tr').dataset.id));
});
$('template-new').addEventListener('click', () => openTemplateForm());

// A starter is one click: the template is created in the console's language and opens with its sample event.
$('template-from-starter').addEventListener('click', async () => {
  const starter = starters.find((s) => s.id === $('template-starter').value);
  $('starter-errors').textContent = '';
  try {
    const template = await api('POST', `/template-starters/${starter.id}`, { language: state.language });
    await loadTemplates();
    openTemplateForm(template, starter.samples[state.language]);
  } catch (error) {
    $('starter-errors').textContent = describeError(error);
  }
});
$('template-cancel').addEventListener('click', () => ($('template-form').hidden = true));

const pairs = (text) =>
  text
    .split('\n')
    .map((line) => line.split('|').map((part) => part.trim()))
    .filter((parts) => parts[0]);
const defaultSample = () => ({
  reportName: state.language === 'zh-CN' ? '每日销售日报' : 'Daily sales',
  url: 'https://bi.example.com/r/1',
  data: { revenue: '¥12,300' },
});

function openTemplateForm(template, sample) {
  state.editingTemplate = template ?? null;
  $('template-form-title').textContent = template ? t('templates.formEdit', { name: template.name }) : t('templates.formNew');
  $('template-name').value = template?.name ?? '';
  $('template-type').value = template?.msgType ?? 'markdown';
  $('template-title').value = template?.title ?? '{{reportName}}';
  $('template-text').value =
    template?.text ??
    `### {{reportName}}\n${t('templates.sampleRevenue')}: **{{data.revenue}}**\n\n{{#image}}![{{name}}]({{{url}}}){{/image}}`;
  $('template-message-url').value = template?.messageUrl ?? '';
  $('template-buttons').value = (template?.buttons ?? []).map((b) => `${b.title} | ${b.url}`).join('\n');
  $('template-links').value = (template?.links ?? []).map((l) => [l.title, l.messageUrl, l.picUrl].filter(Boolean).join(' | ')).join('\n');
  $('template-data').value = JSON.stringify(sample ?? defaultSample(), null, 2);
  $('template-errors').textContent = '';
  $('template-form').hidden = false;
  $('template-name').focus();
  schedulePreview();
}

function templateFromForm() {
  const msgType = $('template-type').value;
  const template = { name: $('template-name').value || 'draft', msgType };
  const title = $('template-title').value;
  const text = $('template-text').value;
  if (msgType !== 'feedCard') template.text = text;
  if (['markdown', 'link', 'actionCard'].includes(msgType)) template.title = title;
  if (msgType === 'link') template.messageUrl = $('template-message-url').value;
  if (msgType === 'actionCard') template.buttons = pairs($('template-buttons').value).map(([title, url]) => ({ title, url: url ?? '' }));
  if (msgType === 'feedCard')
    template.links = pairs($('template-links').value).map(([title, messageUrl, picUrl]) => ({
      title,
      messageUrl: messageUrl ?? '',
      ...(picUrl && { picUrl }),
    }));
  return template;
}

let previewTimer;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(updatePreview, 250);
}
for (const id of [
  'template-type',
  'template-title',
  'template-text',
  'template-message-url',
  'template-buttons',
  'template-links',
  'template-data',
])
  $(id).addEventListener('input', schedulePreview);
$('preview-channel').addEventListener('change', schedulePreview);

/** The starters' samples point their screenshot at a placeholder address; the preview draws a chart there instead. */
const sampleImageUrl = 'https://sample.dingpush.invalid/kpi.png';
let sampleChart;
function sampleChartUrl() {
  if (sampleChart) return sampleChart;
  const canvas = document.createElement('canvas');
  canvas.width = 360;
  canvas.height = 160;
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, 360, 160);
  [42, 55, 48, 63, 70, 66, 84].forEach((value, index) => {
    context.fillStyle = '#0958d9';
    context.fillRect(16 + index * 48, 150 - value * 1.6, 32, value * 1.6);
  });
  sampleChart = canvas.toDataURL('image/png');
  return sampleChart;
}

async function updatePreview() {
  let data;
  try {
    data = JSON.parse($('template-data').value || '{}');
  } catch {
    $('preview-warnings').textContent = t('preview.badJson');
    return;
  }
  try {
    const preview = await api('POST', '/template-previews', { template: templateFromForm(), data, channel: $('preview-channel').value });
    const rendered = renderDingTalk(preview.message);
    // the starters' sample screenshot is a picture of the console's own
    for (const image of rendered.querySelectorAll('img')) if (image.getAttribute('src') === sampleImageUrl) image.src = sampleChartUrl();
    show($('preview'), rendered);
    $('preview-bytes').textContent = t('preview.bytes', { bytes: formatNumber(preview.bytes) });
    $('preview-warnings').textContent = preview.warnings.join('\n');
  } catch (error) {
    show($('preview'));
    $('preview-bytes').textContent = '';
    $('preview-warnings').textContent = describeError(error);
  }
}

$('template-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { ...templateFromForm(), name: $('template-name').value };
  try {
    if (state.editingTemplate) await api('PUT', `/templates/${state.editingTemplate.id}`, body);
    else await api('POST', '/templates', body);
    $('template-form').hidden = true;
    await loadTemplates();
  } catch (error) {
    $('template-errors').textContent = describeError(error);
  }
});

/** Inline Markdown as nodes: images, links, bold and italic (nested), the rest as text. */
function inlineMarkdown(text) {
  const pattern = /!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|\*([^*]+)\*/g;
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(pattern)) {
    nodes.push(text.slice(from, match.index));
    const [, alt, source, label, href, bold, italic] = match;
    if (source !== undefined) nodes.push(h('img', { alt, src: source }));
    else if (href !== undefined) nodes.push(h('a', { href, rel: 'noopener noreferrer' }, inlineMarkdown(label)));
    else if (bold !== undefined) nodes.push(h('strong', {}, inlineMarkdown(bold)));
    else nodes.push(h('em', {}, inlineMarkdown(italic)));
    from = match.index + match[0].length;
  }
  nodes.push(text.slice(from));
  return nodes;
}

/** The subset of Markdown DingTalk renders: headings, bold, italic, links, images, lists, quotes. */
function renderMarkdown(markdown) {
  return markdown.split('\n').map((line) => {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    // headings inside a message are shown as large text, not as the page's own headings
    if (heading) return h('div', { class: `md-h${Math.min(3, heading[1].length)}` }, h('strong', {}, inlineMarkdown(heading[2])));
    if (/^>\s?/.test(line)) return h('blockquote', {}, inlineMarkdown(line.replace(/^>\s?/, '')));
    if (/^\s*[-*]\s+/.test(line)) return h('div', {}, '• ', inlineMarkdown(line.replace(/^\s*[-*]\s+/, '')));
    if (/^\s*\d+\.\s+/.test(line)) return h('div', {}, inlineMarkdown(line.trim()));
    if (/^-{3,}\s*$/.test(line)) return h('hr');
    return line.trim() ? h('div', {}, inlineMarkdown(line)) : h('br');
  });
}

/** A DingTalk message as the group shows it, in one element. */
/** A body as its group shows it: DingTalk's, WeCom's (markdown `content`, news) or Feishu's (`msg_type`). */
function renderDingTalk(message) {
  if (message.msg_type === 'text') return h('div', { style: { whiteSpace: 'pre-wrap' } }, message.content.text);
  if (message.msg_type === 'interactive')
    return h(
      'div',
      {},
      message.card.header && h('strong', {}, message.card.header.title.content),
      message.card.elements.map((element) =>
        element.tag === 'markdown'
          ? renderMarkdown(element.content)
          : h(
              'div',
              { class: 'card-buttons' },
              element.actions.map((button) => h('a', { href: button.url }, button.text.content)),
            ),
      ),
    );
  switch (message.msgtype) {
    case 'text':
      return h('div', { style: { whiteSpace: 'pre-wrap' } }, message.text.content);
    case 'markdown':
      return h('div', {}, renderMarkdown(message.markdown.text ?? message.markdown.content));
    case 'news':
      return h(
        'div',
        { class: 'feed' },
        message.news.articles.map((article) => h('a', { href: article.url }, h('span', {}, article.title))),
      );
    case 'link':
      return h(
        'div',
        {},
        h('strong', {}, message.link.title),
        h('div', { class: 'muted' }, message.link.text),
        message.link.picUrl && h('img', { src: message.link.picUrl, alt: '' }),
      );
    case 'actionCard': {
      const card = message.actionCard;
      const buttons = card.btns ?? [{ title: card.singleTitle, actionURL: card.singleURL }];
      return h(
        'div',
        {},
        renderMarkdown(card.text),
        h(
          'div',
          { class: `card-buttons ${card.btnOrientation === '0' ? 'vertical' : ''}` },
          buttons.map((button) => h('a', { href: button.actionURL }, button.title)),
        ),
      );
    }
    case 'feedCard':
      return h(
        'div',
        { class: 'feed' },
        message.feedCard.links.map((link) =>
          h(
            'a',
            { href: link.messageURL },
            h('span', {}, link.title),
            link.picURL && h('img', { src: link.picURL, alt: '', style: { width: '40px', height: '40px' } }),
          ),
        ),
      );
    default:
      return h('pre', {}, JSON.stringify(message, null, 2));
  }
}

// ---- push records ----
function openRecords() {
  const options = (items, selected) => [
    h('option', { value: '' }, t('filter.any')),
    items.map((item) => h('option', { value: item.id, selected: item.id === selected }, item.name)),
  ];
  const filterChoices = Promise.all([api('GET', '/robots?limit=100'), loadTemplatesList()]).then(([robots]) => {
    show($('record-robot'), options(robots.items, $('record-robot').value));
    show($('record-template'), options(state.templates, $('record-template').value));
  });
  return loadRecords(filterChoices);
}

function recordQuery(cursor) {
  const params = new URLSearchParams({ limit: '20' });
  if ($('record-keyword').value.trim()) params.set('keyword', $('record-keyword').value.trim());
  if ($('record-robot').value) params.set('robotId', $('record-robot').value);
  if ($('record-template').value) params.set('templateId', $('record-template').value);
  if ($('record-status').value) params.set('status', $('record-status').value);
  if ($('record-channel').value) params.set('channel', $('record-channel').value);
  if ($('record-from').value) params.set('from', new Date($('record-from').value).toISOString());
  if ($('record-to').value) params.set('to', new Date($('record-to').value).toISOString());
  if (cursor) params.set('cursor', cursor);
  return `/push-records?${params}`;
}

/** A robot's "send test" push is named in the console's language; a report keeps the name it was sent with. */
const reportLabel = (record) =>
  record.reportId === 'test' && record.eventId?.startsWith('test-') ? t('record.testMessage') : record.reportName;

/** Why a record is as it is, in a line under its status. */
function statusNote(record) {
  let note = '';
  if (record.status === 'failed' || record.status === 'skipped') note = explainAnswer(record.errcode, record.errmsg);
  else if (record.status === 'unconfirmed') note = t('records.unconfirmedNote');
  else if (record.uncertain) note = t('records.mayShowTwice');
  if (record.resentAs) note = `${note} ${t('records.resentAs')}`.trim();
  return note && h('div', { class: 'muted' }, note);
}

/** Bulk resend takes the status, robot, template and time filters; it cannot match a name. */
function bulkResendFilter() {
  const status = $('record-status').value;
  if ((status !== 'failed' && status !== 'unconfirmed') || $('record-keyword').value.trim()) return undefined;
  const filter = { status };
  if ($('record-robot').value) filter.robotId = $('record-robot').value;
  if ($('record-template').value) filter.templateId = $('record-template').value;
  if ($('record-from').value) filter.from = new Date($('record-from').value).toISOString();
  if ($('record-to').value) filter.to = new Date($('record-to').value).toISOString();
  return filter;
}

/** The table is aria-busy until the newest load is drawn; `before` is what the load waits for first. */
async function loadRecords(before) {
  const isNewest = newestLoad('records');
  const table = $('record-rows').closest('table');
  table.setAttribute('aria-busy', 'true');
  $('record-errors').textContent = '';
  try {
    await before;
    const { items, nextCursor } = await api('GET', recordQuery(state.cursors[state.page]));
    // the answer to the latest filters wins
    if (!isNewest()) return;
    const rows = items.map((record) =>
      h(
        'tr',
        { 'data-id': record.id },
        h('td', {}, formatTime(record.createdAt)),
        h('td', {}, record.robotName),
        // a record of a robot deleted before its push was handled names no chat service
        h('td', {}, record.channel ? t(`channel.${record.channel}`) : '—'),
        h('td', {}, record.templateName),
        h('td', {}, reportLabel(record)),
        h('td', {}, h('span', { class: `status ${record.status}` }, t(`status.${record.status}`)), statusNote(record)),
        h(
          'td',
          {},
          h('button', { 'data-action': 'view', 'aria-label': t('records.viewNamed', { name: record.robotName }) }, t('records.view')),
        ),
      ),
    );
    show($('record-rows'), rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, t('records.empty'))));
    state.cursors[state.page + 1] = nextCursor;
    state.shownFilter = bulkResendFilter();
    $('records-resend-all').disabled = !state.shownFilter || items.length === 0;
    $('record-next').disabled = !nextCursor;
    $('record-prev').disabled = state.page === 0;
  } catch (error) {
    if (isNewest()) $('record-errors').textContent = describeError(error);
  } finally {
    if (isNewest()) table.removeAttribute('aria-busy');
  }
}

$('record-filters').addEventListener('submit', (event) => {
  event.preventDefault();
  state.cursors = [null];
  state.page = 0;
  $('record-notice').textContent = '';
  loadRecords();
});
$('record-next').addEventListener('click', () => {
  state.page += 1;
  loadRecords();
});
$('record-prev').addEventListener('click', () => {
  state.page = Math.max(0, state.page - 1);
  loadRecords();
});

/** The record whose row opened the dialog: its row gets the focus back when the dialog closes. */
let recordBeforeDialog;
$('record-rows').addEventListener('click', async (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  recordBeforeDialog = button.closest('tr').dataset.id;
  await showRecord(recordBeforeDialog);
});
// a digest's members and a member's digest open in the same dialog
$('record-detail').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-record]');
  if (button) showRecord(button.dataset.record);
});

async function showRecord(id) {
  try {
    const record = await api('GET', `/push-records/${id}`);
    state.openRecord = record;
    const template = record.template
      ? `${record.template.name} v${record.template.version} (${record.template.msgType})`
      : t('record.notRendered');
    const failed = record.status === 'failed' || record.status === 'skipped';
    const uncertain = record.uncertain
      ? `${t('record.uncertain', { count: formatNumber(record.uncertain) })}${record.status === 'unconfirmed' ? ` ${t('record.holdAdvice')}` : ''}`
      : '';
    const cell = (value) => h('td', {}, value ?? '-');
    show(
      $('record-detail'),
      h(
        'p',
        {},
        h('span', { class: `status ${record.status}` }, t(`status.${record.status}`)),
        ` ${record.robotName} · ${reportLabel(record)} · ${formatTime(record.createdAt)}`,
      ),
      failed && h('p', { class: 'explain', id: 'record-explain' }, explainAnswer(record.errcode, record.errmsg)),
      uncertain && h('p', { class: 'explain', id: 'record-uncertain' }, uncertain),
      record.status === 'queued' && record.nextAttemptAt && h('p', {}, t('record.nextAttempt', { time: formatTime(record.nextAttemptAt) })),
      record.status === 'held' &&
        record.heldUntil &&
        h('p', { class: 'explain' }, t('record.held', { time: formatTime(record.heldUntil) })),
      record.members &&
        h(
          'p',
          { id: 'record-members' },
          t('record.digestOf', { count: formatNumber(record.members.length) }),
          ' ',
          record.members.map((member, index) => [
            index > 0 && ' ',
            h('button', { type: 'button', class: 'link', 'data-record': member }, `#${index + 1}`),
          ]),
        ),
      record.digestId &&
        h(
          'p',
          { id: 'record-digest' },
          t('record.inDigest'),
          ' ',
          h('button', { type: 'button', class: 'link', 'data-record': record.digestId }, t('record.openDigest')),
        ),
      record.webhook && h('p', { class: 'muted' }, t('record.webhook', { webhook: record.webhook })),
      record.picturesSent?.length > 0 &&
        h(
          'p',
          { id: 'record-pictures' },
          t('record.pictures', { count: formatNumber(record.picturesSent.length) }),
          ' ',
          record.picturesSent.map((picture) => `${picture.name} (md5 ${picture.md5})`).join(', '),
        ),
      h(
        'div',
        { class: 'split' },
        h(
          'section',
          {},
          h('h3', {}, t('record.asSeen')),
          h(
            'div',
            { class: 'phone' },
            h(
              'div',
              { class: 'bubble' },
              record.content
                ? renderDingTalk(appContentAsDingTalk(record.content))
                : h('span', { class: 'muted' }, t('record.nothingSent')),
            ),
          ),
        ),
        h('section', {}, h('h3', {}, t('record.body')), h('pre', { tabindex: 0 }, JSON.stringify(record.content, null, 2))),
      ),
      h('h3', {}, t('record.template', { template })),
      h('pre', { tabindex: 0 }, JSON.stringify(record.template, null, 2)),
      h('h3', {}, t('record.attempts')),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['col.time', 'col.result', 'col.http', 'col.errcode', 'col.message', 'col.ms'].map((key) => h('th', {}, t(key))),
            ),
          ),
          h(
            'tbody',
            {},
            record.attemptLog.map((attempt) =>
              h(
                'tr',
                {},
                cell(formatTime(attempt.at)),
                cell(attempt.result && t(`result.${attempt.result}`)),
                cell(attempt.httpStatus),
                cell(attempt.errcode),
                cell(attempt.errmsg),
                cell(formatNumber(attempt.durationMs)),
              ),
            ),
          ),
        ),
      ),
      record.attemptsOmitted > 0 && h('p', { class: 'muted' }, t('record.omitted', { count: formatNumber(record.attemptsOmitted) })),
    );
    $('record-confirm').hidden = record.status !== 'unconfirmed';
    showAppRecord(record);
    // a digest is resent through its pushes
    $('record-resend').hidden = Boolean(record.members);
    if (!$('record-dialog').open) $('record-dialog').showModal();
  } catch (error) {
    $('record-errors').textContent = describeError(error);
  }
}
/** Found by its record, since the list may have been drawn anew meanwhile; always with its ring, which the browser's own restore sometimes leaves off. */
function focusRecordRow() {
  const button =
    $('record-rows').querySelector(`tr[data-id="${CSS.escape(recordBeforeDialog ?? '')}"] button`) ??
    $('record-filters').querySelector('button[type="submit"]');
  if (document.activeElement === button) {
    if (button.matches(':focus-visible')) return;
    button.blur();
  }
  button.focus({ focusVisible: true });
}
$('record-dialog').addEventListener('close', focusRecordRow);
$('record-close').addEventListener('click', () => $('record-dialog').close());
$('record-resend').addEventListener('click', async () => {
  try {
    const queued = await api('POST', `/push-records/${state.openRecord.id}/resend`);
    $('record-dialog').close();
    await loadRecords();
    focusRecordRow();
    $('record-notice').textContent = t('record.resent', { id: queued.id });
  } catch (error) {
    $('record-errors').textContent = describeError(error);
    $('record-dialog').close();
  }
});

$('record-confirm').addEventListener('click', async () => {
  try {
    await api('POST', `/push-records/${state.openRecord.id}/confirm`);
    $('record-dialog').close();
    await loadRecords();
    focusRecordRow();
    $('record-notice').textContent = t('record.confirmed');
  } catch (error) {
    $('record-errors').textContent = describeError(error);
    $('record-dialog').close();
  }
});
$('records-resend-all').addEventListener('click', async () => {
  const filter = state.shownFilter;
  if (!filter) return;
  $('records-resend-all').disabled = true;
  $('record-errors').textContent = '';
  let count = 0;
  try {
    // a page per call, until the filter has nothing more
    let cursor;
    do {
      const page = await api('POST', '/push-records/resend', { ...filter, ...(cursor && { cursor }) });
      count += page.resent.length;
      cursor = page.nextCursor;
    } while (cursor);
    $('record-notice').textContent = t('records.resentAll', { count: formatNumber(count) });
  } catch (error) {
    $('record-errors').textContent = describeError(error);
  }
  await loadRecords();
});
