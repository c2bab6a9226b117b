// dingpush console: plain JavaScript over the same HTTP API (no build step, no external resources),
// in Chinese and English: every word the page shows comes from `messages`, dates and numbers from Intl.
'use strict';

const messages = {
  en: {
    'app.title': 'dingpush console',
    'app.name': 'dingpush',
    skip: 'Skip to the content',
    language: 'Language',
    'nav.sections': 'Sections',
    'nav.robots': 'Robots',
    'nav.templates': 'Templates',
    'nav.records': 'Push records',
    signOut: 'Forget token',
    'login.title': 'Sign in',
    'login.token': 'Admin token',
    'login.hint': 'Kept in this browser tab only (sessionStorage).',
    'login.submit': 'Open the console',
    'login.rejected': 'The token was not accepted.',
    'chart.title': 'Pushes in the last 14 days',
    'chart.aria': 'Pushes per day by status',
    'chart.day': '{date}: {sent} sent, {failed} failed, {skipped} skipped',
    'status.sent': 'sent',
    'status.failed': 'failed',
    'status.skipped': 'skipped',
    'status.queued': 'queued',
    'status.enabled': 'enabled',
    'status.disabled': 'disabled',
    'col.name': 'Name',
    'col.webhook': 'Webhook',
    'col.template': 'Template',
    'col.status': 'Status',
    'col.actions': 'Actions',
    'col.msgType': 'Message type',
    'col.version': 'Version',
    'col.robots': 'Robots',
    'col.time': 'Time',
    'col.robot': 'Robot',
    'col.report': 'Report',
    'col.http': 'HTTP',
    'col.errcode': 'errcode',
    'col.message': 'Message',
    'col.ms': 'ms',
    'robots.add': 'Add robot',
    'robots.edit': 'Edit',
    'robots.test': 'Send test',
    'robots.enable': 'Enable',
    'robots.disable': 'Disable',
    'robots.reenable': 'Enable again',
    'robots.editNamed': 'Edit {name}',
    'robots.testNamed': 'Send test: {name}',
    'robots.enableNamed': 'Enable {name}',
    'robots.disableNamed': 'Disable {name}',
    'robots.empty': "No robots yet. Add one with the webhook URL from the group robot's settings.",
    'robots.enabled': '{name} enabled.',
    'robots.disabled': '{name} disabled.',
    'robots.saved': 'Saved {name}.',
    'robots.formAdd': 'Add robot',
    'robots.formEdit': 'Edit {name}',
    'robots.autoDisabled': 'Disabled automatically after {failures} failed pushes in a row. Last answer: {answer}',
    'robots.autoDisabledOne': 'Disabled automatically after a failed push. Last answer: {answer}',
    'robots.adminDisabled': 'Disabled by an admin.',
    'field.name': 'Name',
    'field.template': 'Template',
    'field.webhook': "Webhook URL (from the robot's settings in the group)",
    'field.webhookKeep': '{masked} (leave empty to keep)',
    'field.secret': 'Signing secret (SEC…, optional; leave empty to keep)',
    'field.reports': 'Reports (comma-separated ids, * for all)',
    'field.keywords': 'Keywords (comma-separated)',
    'field.title': 'Title',
    'field.text': 'Text (Mustache)',
    'field.messageUrl': 'Message URL (link)',
    'field.buttons': 'Buttons (actionCard; one per line: title | url)',
    'field.links': 'Links (feedCard; one per line: title | url | picture url)',
    'field.sample': 'Sample report event (JSON; "images": [{"name", "url"}] shows screenshots)',
    'form.save': 'Save',
    'form.cancel': 'Cancel',
    'test.sending': 'Sending a test message…',
    'test.sent': 'Test message sent to {name}.',
    'test.failed': 'The test message to {name} failed: {answer}',
    'test.waiting': 'The test message to {name} is {status}: it waits its turn behind the robot’s queue and rate limit.',
    'templates.new': 'New template',
    'templates.starter': 'Start from a starter',
    'templates.fromStarter': 'Create from starter',
    'templates.empty': 'No templates yet.',
    'templates.formNew': 'New template',
    'templates.formEdit': 'Edit {name}',
    'templates.sampleRevenue': 'Revenue',
    'templates.editNamed': 'Edit {name}',
    'preview.title': 'Preview, as DingTalk shows it',
    'preview.bytes': '{bytes} of 20,000 bytes',
    'preview.badJson': 'The sample data is not valid JSON.',
    'filter.keyword': 'Robot or template name',
    'filter.any': 'any',
    'filter.from': 'From',
    'filter.to': 'To',
    'filter.search': 'Search',
    'records.view': 'View content',
    'records.viewNamed': 'View content: {name}',
    'records.empty': 'No push records match.',
    'records.newer': 'Newer',
    'records.older': 'Older',
    'record.title': 'Push record',
    'record.asSeen': 'As the group saw it',
    'record.body': 'Exact body sent',
    'record.template': 'Template: {template}',
    'record.notRendered': 'not rendered',
    'record.testMessage': 'Test message',
    'record.nothingSent': 'Nothing was sent.',
    'record.attempts': 'Attempts',
    'record.resend': 'Resend',
    'record.close': 'Close',
    'record.resent': 'Queued again as {id}.',
    'status.unconfirmed': 'unconfirmed',
    'field.onUncertain': "When a push may have arrived without DingTalk's answer",
    'uncertain.resend': 'Send it again (it may show twice)',
    'uncertain.hold': 'Hold it for me to check (it may be missing)',
    'uncertain.explain':
      'Uncertain: the whole message went out and no answer came back (a timeout or a dropped connection). DingTalk may have shown it, and there is no way to ask.',
    'records.resendAll': 'Resend all shown',
    'records.resendHint': 'Resend all shown: filter by status failed or unconfirmed (not by name).',
    'records.resentAll': 'Queued {count} pushes again.',
    'records.mayShowTwice': 'An attempt got no answer: the group may show it twice.',
    'records.resentAs': 'Resent.',
    'records.unconfirmedNote': 'Sent, and no answer came: check the group, then mark it delivered or resend it.',
    'record.confirm': 'Mark delivered',
    'record.confirmed': 'Marked delivered.',
    'record.uncertain':
      'Uncertain: {count} attempt(s) went out whole and got no answer (a timeout or a dropped connection). DingTalk may have shown the message each time, and there is no way to ask.',
    'record.holdAdvice':
      'This robot holds such pushes for you: look in the group. If the message is there, mark it delivered; if not, resend it.',
    'record.omitted': '{count} attempts in between are not listed.',
    'record.nextAttempt': 'Next attempt at {time}.',
    'col.result': 'Result',
    'result.not-sent': 'not sent',
    'result.answered': 'answered',
    'result.uncertain': 'uncertain',
    'errcode.310000':
      "DingTalk's security check refused it: the message has none of the robot's keywords, the signature does not match, or this sender's IP is not allowed (the errmsg says which).",
    'errcode.130101': 'Sent too fast: DingTalk takes at most 20 messages a minute per robot. dingpush waits and sends it again.',
    'errcode.410100': 'Sent too fast: DingTalk throttled this robot. dingpush waits and sends it again.',
    'errcode.300001': "The access token is not valid: copy the webhook URL again from the robot's settings.",
    'errcode.300005': 'The access token does not exist: the robot may have been removed from the group.',
    'errcode.400101': 'The access token does not exist: the robot may have been removed from the group.',
    'errcode.400013': 'The group was disbanded.',
    'errcode.400102': 'The robot is turned off in DingTalk.',
    'errcode.400105': 'DingTalk does not take this message type.',
    'errcode.400106': 'The robot does not exist.',
    'errcode.430101': 'DingTalk refused the content: an unsafe link, or inappropriate text or pictures.',
    'errcode.460101': 'The message is over 20,000 bytes.',
    'error.Unauthorized': 'The token is missing or not valid.',
    'error.Forbidden': 'This token may not do that: it needs an admin token.',
    'error.NotFound': 'It no longer exists (someone may have deleted it).',
    'error.Conflict': 'That conflicts with what exists: a name already taken, or a template robots still use.',
    'error.ValidationFailed': 'Some fields need fixing:',
    'error.BadRequest': 'The request was not accepted:',
    'error.PayloadTooLarge': 'It is too large.',
    'error.Unprocessable': 'It cannot be sent as it is:',
    'error.network': 'The service did not answer. Is it running?',
  },
  'zh-CN': {
    'app.title': 'dingpush 控制台',
    'app.name': 'dingpush',
    skip: '跳到主要内容',
    language: '语言',
    'nav.sections': '栏目',
    'nav.robots': '机器人',
    'nav.templates': '模板',
    'nav.records': '推送记录',
    signOut: '清除令牌',
    'login.title': '登录',
    'login.token': '管理员令牌',
    'login.hint': '仅保存在当前浏览器标签页中（sessionStorage）。',
    'login.submit': '进入控制台',
    'login.rejected': '令牌无效，请重新输入。',
    'chart.title': '最近 14 天的推送',
    'chart.aria': '每日推送数（按状态）',
    'chart.day': '{date}：成功 {sent}，失败 {failed}，跳过 {skipped}',
    'status.sent': '已发送',
    'status.failed': '失败',
    'status.skipped': '已跳过',
    'status.queued': '排队中',
    'status.enabled': '已启用',
    'status.disabled': '已停用',
    'col.name': '名称',
    'col.webhook': 'Webhook',
    'col.template': '模板',
    'col.status': '状态',
    'col.actions': '操作',
    'col.msgType': '消息类型',
    'col.version': '版本',
    'col.robots': '使用的机器人',
    'col.time': '时间',
    'col.robot': '机器人',
    'col.report': '报表',
    'col.http': 'HTTP',
    'col.errcode': '错误码',
    'col.message': '信息',
    'col.ms': '耗时（毫秒）',
    'robots.add': '添加机器人',
    'robots.edit': '编辑',
    'robots.test': '发送测试',
    'robots.enable': '启用',
    'robots.disable': '停用',
    'robots.reenable': '重新启用',
    'robots.editNamed': '编辑 {name}',
    'robots.testNamed': '发送测试：{name}',
    'robots.enableNamed': '启用 {name}',
    'robots.disableNamed': '停用 {name}',
    'robots.empty': '还没有机器人。在群机器人设置中复制 Webhook 地址，然后添加。',
    'robots.enabled': '已启用 {name}。',
    'robots.disabled': '已停用 {name}。',
    'robots.saved': '已保存 {name}。',
    'robots.formAdd': '添加机器人',
    'robots.formEdit': '编辑 {name}',
    'robots.autoDisabled': '连续 {failures} 次推送失败，已自动停用。最后一次的结果：{answer}',
    'robots.adminDisabled': '已被管理员停用。',
    'field.name': '名称',
    'field.template': '模板',
    'field.webhook': 'Webhook 地址（在群机器人设置中复制）',
    'field.webhookKeep': '{masked}（留空则不修改）',
    'field.secret': '加签密钥（SEC 开头，可选；留空则不修改）',
    'field.reports': '接收的报表（报表 ID，用逗号分隔；* 表示全部）',
    'field.keywords': '自定义关键词（用逗号分隔）',
    'field.title': '标题',
    'field.text': '正文（Mustache）',
    'field.messageUrl': '跳转链接（link 类型）',
    'field.buttons': '按钮（actionCard；每行一个：标题 | 链接）',
    'field.links': '链接（feedCard；每行一个：标题 | 链接 | 图片链接）',
    'field.sample': '示例报表事件（JSON；"images": [{"name", "url"}] 可预览截图）',
    'form.save': '保存',
    'form.cancel': '取消',
    'test.sending': '正在发送测试消息…',
    'test.sent': '测试消息已发送到 {name}。',
    'test.failed': '发送到 {name} 的测试消息失败：{answer}',
    'test.waiting': '发送到 {name} 的测试消息{status}：它在该机器人的队列和限流之后等待发送。',
    'templates.new': '新建模板',
    'templates.starter': '从示例模板开始',
    'templates.fromStarter': '用示例创建',
    'templates.empty': '还没有模板。',
    'templates.formNew': '新建模板',
    'templates.formEdit': '编辑 {name}',
    'templates.sampleRevenue': '营收',
    'templates.editNamed': '编辑 {name}',
    'preview.title': '预览（钉钉中的样子）',
    'preview.bytes': '{bytes} / 20,000 字节',
    'preview.badJson': '示例数据不是有效的 JSON。',
    'filter.keyword': '机器人或模板名称',
    'filter.any': '全部',
    'filter.from': '开始时间',
    'filter.to': '结束时间',
    'filter.search': '查询',
    'records.view': '查看内容',
    'records.viewNamed': '查看内容：{name}',
    'records.empty': '没有符合条件的推送记录。',
    'records.newer': '较新',
    'records.older': '较早',
    'record.title': '推送记录',
    'record.asSeen': '群里看到的样子',
    'record.body': '发送的原始内容',
    'record.template': '模板：{template}',
    'record.notRendered': '未渲染',
    'record.testMessage': '测试消息',
    'record.nothingSent': '没有发送任何内容。',
    'record.attempts': '发送尝试',
    'record.resend': '重新发送',
    'record.close': '关闭',
    'record.resent': '已重新排队，新记录 {id}。',
    'status.unconfirmed': '待确认',
    'field.onUncertain': '推送可能已送达、但没有收到钉钉的应答时',
    'uncertain.resend': '重新发送（群里可能显示两次）',
    'uncertain.hold': '先暂停，由我确认（可能没有送达）',
    'uncertain.explain': '不确定：消息已完整发出，但没有收到应答（超时或连接中断）。钉钉可能已经显示了它，而且无法查询。',
    'records.resendAll': '重新发送显示的全部记录',
    'records.resendHint': '重新发送全部：请按状态“失败”或“待确认”筛选（不能按名称筛选）。',
    'records.resentAll': '已重新排队 {count} 条推送。',
    'records.mayShowTwice': '有一次发送没有收到应答：群里可能显示了两次。',
    'records.resentAs': '已重新发送。',
    'records.unconfirmedNote': '已发出但没有收到应答：请到群里查看，然后标记为已送达或重新发送。',
    'record.confirm': '标记为已送达',
    'record.confirmed': '已标记为已送达。',
    'record.uncertain':
      '不确定：有 {count} 次发送已完整发出，但没有收到应答（超时或连接中断）。钉钉每次都可能已经显示了这条消息，而且无法查询。',
    'record.holdAdvice': '该机器人会暂停这类推送，等你确认：请到群里查看。如果消息已在群里，标记为已送达；如果没有，重新发送。',
    'record.omitted': '中间的 {count} 次尝试未列出。',
    'record.nextAttempt': '下次尝试时间：{time}。',
    'col.result': '结果',
    'result.not-sent': '未发出',
    'result.answered': '已应答',
    'result.uncertain': '不确定',
    'errcode.310000': '钉钉安全校验未通过：消息中没有机器人设置的关键词、加签不匹配，或发送方 IP 不在白名单中（errmsg 会说明是哪一项）。',
    'errcode.130101': '发送太快：每个机器人每分钟最多 20 条消息。dingpush 会等待后重新发送。',
    'errcode.410100': '发送太快：钉钉对该机器人限流了。dingpush 会等待后重新发送。',
    'errcode.300001': 'access_token 无效：请在机器人设置中重新复制 Webhook 地址。',
    'errcode.300005': 'access_token 不存在：机器人可能已被移出群。',
    'errcode.400101': 'access_token 不存在：机器人可能已被移出群。',
    'errcode.400013': '群已解散。',
    'errcode.400102': '机器人已在钉钉中被停用。',
    'errcode.400105': '钉钉不支持此消息类型。',
    'errcode.400106': '机器人不存在。',
    'errcode.430101': '钉钉拒绝了消息内容：不安全的链接，或不当的文字、图片。',
    'errcode.460101': '消息超过 20,000 字节。',
    'error.Unauthorized': '令牌缺失或无效。',
    'error.Forbidden': '此令牌无权执行该操作：需要管理员令牌。',
    'error.NotFound': '该对象已不存在（可能已被他人删除）。',
    'error.Conflict': '与现有数据冲突：名称已被使用，或模板仍被机器人使用。',
    'error.ValidationFailed': '以下字段需要修改：',
    'error.BadRequest': '请求未被接受：',
    'error.PayloadTooLarge': '内容过大。',
    'error.Unprocessable': '无法按原样发送：',
    'error.network': '服务没有响应，请确认它正在运行。',
  },
};

const languages = Object.keys(messages);
function initialLanguage() {
  const saved = localStorage.getItem('dingpush.language');
  if (languages.includes(saved)) return saved;
  return (navigator.languages ?? [navigator.language]).some((tag) => /^zh\b/i.test(tag)) ? 'zh-CN' : 'en';
}

const state = {
  token: sessionStorage.getItem('dingpush.adminToken'),
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
  if (state.token) showTab(state.tab);
});

function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.details = body?.error?.details ?? [];
  }
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${state.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { error: { code: 'network' } });
  }
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status === 401) showLogin(t('login.rejected'));
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
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
function showTab(name) {
  state.tab = name;
  for (const button of document.querySelectorAll('nav button'))
    button.setAttribute('aria-current', button.dataset.tab === name ? 'page' : 'false');
  for (const id of ['robots', 'templates', 'records']) $(id).hidden = id !== name;
  $('login').hidden = true;
  if (name === 'robots') loadRobots();
  if (name === 'templates') loadTemplates();
  if (name === 'records') openRecords();
}

function showLogin(message) {
  for (const id of ['robots', 'templates', 'records']) $(id).hidden = true;
  $('login').hidden = false;
  $('sign-out').hidden = true;
  $('login-errors').textContent = message ?? '';
  $('token').focus();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.token = $('token').value.trim();
  try {
    await api('GET', '/robots?limit=1');
    sessionStorage.setItem('dingpush.adminToken', state.token);
    $('sign-out').hidden = false;
    showTab('robots');
  } catch (error) {
    $('login-errors').textContent = describeError(error);
  }
});
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem('dingpush.adminToken');
  state.token = null;
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
  $('robot-template').innerHTML = state.templates
    .map((tpl) => `<option value="${escapeHtml(tpl.id)}">${escapeHtml(tpl.name)}</option>`)
    .join('');
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
  const { items } = await api('GET', '/robots?limit=100');
  if (!isNewest()) return;
  state.robots = Object.fromEntries(items.map((robot) => [robot.id, robot]));
  $('robot-rows').innerHTML =
    items
      .map((robot) => {
        const name = escapeHtml(robot.name);
        const toggle = robot.enabled ? 'disable' : 'enable';
        return `<tr data-id="${escapeHtml(robot.id)}">
        <td>${name}${robot.enabled ? '' : `<div class="muted">${escapeHtml(disabledText(robot))}</div>`}</td>
        <td class="muted">${escapeHtml(robot.webhookUrl)}</td>
        <td>${escapeHtml(robot.templateName ?? robot.templateId)}</td>
        <td><span class="status ${robot.enabled ? 'enabled' : 'disabled'}">${t(robot.enabled ? 'status.enabled' : 'status.disabled')}</span></td>
        <td style="white-space:nowrap">
          <button data-action="toggle" aria-label="${escapeHtml(t(`robots.${toggle}Named`, { name: robot.name }))}">${t(`robots.${toggle}`)}</button>
          <button data-action="edit" aria-label="${escapeHtml(t('robots.editNamed', { name: robot.name }))}">${t('robots.edit')}</button>
          <button data-action="test" aria-label="${escapeHtml(t('robots.testNamed', { name: robot.name }))}">${t('robots.test')}</button>
        </td></tr>`;
      })
      .join('') || `<tr><td colspan="5" class="muted">${t('robots.empty')}</td></tr>`;
}

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
  $('robot-webhook').placeholder = robot
    ? t('field.webhookKeep', { masked: robot.webhookUrl })
    : 'https://oapi.dingtalk.com/robot/send?access_token=...';
  $('robot-secret').value = '';
  $('robot-reports').value = (robot?.reports ?? ['*']).join(', ');
  $('robot-keywords').value = (robot?.keywords ?? []).join(', ');
  $('robot-uncertain').value = robot?.onUncertain ?? 'resend';
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
  if ($('robot-webhook').value || !state.editingRobot) body.webhookUrl = $('robot-webhook').value;
  if ($('robot-secret').value) body.secret = $('robot-secret').value;
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

// ---- chart: pushes per day by status ----
async function loadChart() {
  const { days } = await api('GET', '/push-statistics?days=14');
  const highest = Math.max(1, ...days.map((day) => day.sent + day.failed + day.skipped));
  $('chart').innerHTML = days
    .map((day) => {
      const bar = (status) => `<span class="${status}" style="height:${(100 * day[status]) / highest}%"></span>`;
      const title = t('chart.day', {
        date: formatDay(day.date),
        sent: formatNumber(day.sent),
        failed: formatNumber(day.failed),
        skipped: formatNumber(day.skipped),
      });
      return `<div class="day" title="${escapeHtml(title)}">${bar('sent')}${bar('failed')}${bar('skipped')}</div>`;
    })
    .join('');
  $('chart-labels').innerHTML = days.map((day) => `<span>${escapeHtml(formatDay(day.date))}</span>`).join('');
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
  $('template-starter').innerHTML = starters
    .map((s) => `<option value="${escapeHtml(s.id)}">${escapeHtml(s.templates[state.language].name)} (${escapeHtml(s.reportId)})</option>`)
    .join('');
  $('template-rows').innerHTML =
    state.templates
      .map(
        (tpl) =>
          `<tr data-id="${escapeHtml(tpl.id)}"><td>${escapeHtml(tpl.name)}</td><td>${tpl.msgType}</td><td>${formatNumber(tpl.version)}</td><td>${formatNumber(tpl.robotCount ?? 0)}</td><td><button data-action="edit" aria-label="${escapeHtml(t('templates.editNamed', { name: tpl.name }))}">${t('robots.edit')}</button></td></tr>`,
      )
      .join('') || `<tr><td colspan="5" class="muted">${t('templates.empty')}</td></tr>`;
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
    const preview = await api('POST', '/template-previews', { template: templateFromForm(), data });
    $('preview').innerHTML = renderDingTalk(preview.message).split(escapeHtml(sampleImageUrl)).join(sampleChartUrl());
    $('preview-bytes').textContent = t('preview.bytes', { bytes: formatNumber(preview.bytes) });
    $('preview-warnings').textContent = preview.warnings.join('\n');
  } catch (error) {
    $('preview').innerHTML = '';
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

/** The subset of Markdown DingTalk renders: headings, bold, italic, links, images, lists, quotes. */
function renderMarkdown(markdown) {
  const inline = (text) =>
    escapeHtml(text)
      .replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, '<img alt="$1" src="$2">')
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2" rel="noopener noreferrer">$1</a>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/\*([^*]+)\*/g, '<em>$1</em>');
  return markdown
    .split('\n')
    .map((line) => {
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      // headings inside a message are shown as large text, not as the page's own headings
      if (heading) return `<div class="md-h${Math.min(3, heading[1].length)}"><strong>${inline(heading[2])}</strong></div>`;
      if (/^>\s?/.test(line)) return `<blockquote>${inline(line.replace(/^>\s?/, ''))}</blockquote>`;
      if (/^\s*[-*]\s+/.test(line)) return `<div>• ${inline(line.replace(/^\s*[-*]\s+/, ''))}</div>`;
      if (/^\s*\d+\.\s+/.test(line)) return `<div>${inline(line.trim())}</div>`;
      if (/^-{3,}\s*$/.test(line)) return '<hr>';
      return line.trim() ? `<div>${inline(line)}</div>` : '<br>';
    })
    .join('');
}

function renderDingTalk(message) {
  switch (message.msgtype) {
    case 'text':
      return `<div style="white-space:pre-wrap">${escapeHtml(message.text.content)}</div>`;
    case 'markdown':
      return renderMarkdown(message.markdown.text);
    case 'link':
      return `<strong>${escapeHtml(message.link.title)}</strong><div class="muted">${escapeHtml(message.link.text)}</div>${message.link.picUrl ? `<img src="${escapeHtml(message.link.picUrl)}" alt="">` : ''}`;
    case 'actionCard': {
      const card = message.actionCard;
      const buttons = card.btns ?? [{ title: card.singleTitle, actionURL: card.singleURL }];
      return `${renderMarkdown(card.text)}<div class="card-buttons ${card.btnOrientation === '0' ? 'vertical' : ''}">${buttons.map((b) => `<a href="${escapeHtml(b.actionURL)}">${escapeHtml(b.title)}</a>`).join('')}</div>`;
    }
    case 'feedCard':
      return `<div class="feed">${message.feedCard.links.map((l) => `<a href="${escapeHtml(l.messageURL)}"><span>${escapeHtml(l.title)}</span>${l.picURL ? `<img src="${escapeHtml(l.picURL)}" alt="" style="width:40px;height:40px">` : ''}</a>`).join('')}</div>`;
    default:
      return `<pre>${escapeHtml(JSON.stringify(message, null, 2))}</pre>`;
  }
}

// ---- push records ----
function openRecords() {
  const options = (items, selected) =>
    `<option value="">${t('filter.any')}</option>${items.map((item) => `<option value="${escapeHtml(item.id)}"${item.id === selected ? ' selected' : ''}>${escapeHtml(item.name)}</option>`).join('')}`;
  const filterChoices = Promise.all([api('GET', '/robots?limit=100'), loadTemplatesList()]).then(([robots]) => {
    $('record-robot').innerHTML = options(robots.items, $('record-robot').value);
    $('record-template').innerHTML = options(state.templates, $('record-template').value);
  });
  return loadRecords(filterChoices);
}

function recordQuery(cursor) {
  const params = new URLSearchParams({ limit: '20' });
  if ($('record-keyword').value.trim()) params.set('keyword', $('record-keyword').value.trim());
  if ($('record-robot').value) params.set('robotId', $('record-robot').value);
  if ($('record-template').value) params.set('templateId', $('record-template').value);
  if ($('record-status').value) params.set('status', $('record-status').value);
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
  return note ? `<div class="muted">${escapeHtml(note)}</div>` : '';
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
    $('record-rows').innerHTML =
      items
        .map(
          (
            r,
          ) => `<tr data-id="${escapeHtml(r.id)}"><td>${escapeHtml(formatTime(r.createdAt))}</td><td>${escapeHtml(r.robotName)}</td><td>${escapeHtml(r.templateName)}</td>
          <td>${escapeHtml(reportLabel(r))}</td><td><span class="status ${r.status}">${t(`status.${r.status}`)}</span>${statusNote(r)}</td>
          <td><button data-action="view" aria-label="${escapeHtml(t('records.viewNamed', { name: r.robotName }))}">${t('records.view')}</button></td></tr>`,
        )
        .join('') || `<tr><td colspan="6" class="muted">${t('records.empty')}</td></tr>`;
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
  try {
    const record = await api('GET', `/push-records/${recordBeforeDialog}`);
    state.openRecord = record;
    const template = record.template
      ? `${escapeHtml(record.template.name)} v${record.template.version} (${record.template.msgType})`
      : t('record.notRendered');
    const failed = record.status === 'failed' || record.status === 'skipped';
    const uncertain = record.uncertain
      ? `${t('record.uncertain', { count: formatNumber(record.uncertain) })}${record.status === 'unconfirmed' ? ` ${t('record.holdAdvice')}` : ''}`
      : '';
    $('record-detail').innerHTML = `
    <p><span class="status ${record.status}">${t(`status.${record.status}`)}</span> ${escapeHtml(record.robotName)} · ${escapeHtml(reportLabel(record))} · ${escapeHtml(formatTime(record.createdAt))}</p>
    ${failed ? `<p class="explain" id="record-explain">${escapeHtml(explainAnswer(record.errcode, record.errmsg))}</p>` : ''}
    ${uncertain ? `<p class="explain" id="record-uncertain">${escapeHtml(uncertain)}</p>` : ''}
    ${record.status === 'queued' && record.nextAttemptAt ? `<p>${escapeHtml(t('record.nextAttempt', { time: formatTime(record.nextAttemptAt) }))}</p>` : ''}
    <div class="split">
      <div><h3>${t('record.asSeen')}</h3><div class="phone"><div class="bubble">${record.content ? renderDingTalk(record.content) : `<span class="muted">${t('record.nothingSent')}</span>`}</div></div></div>
      <div><h3>${t('record.body')}</h3><pre tabindex="0">${escapeHtml(JSON.stringify(record.content, null, 2))}</pre></div>
    </div>
    <h3>${t('record.template', { template })}</h3><pre tabindex="0">${escapeHtml(JSON.stringify(record.template, null, 2))}</pre>
    <h3>${t('record.attempts')}</h3>
    <table><thead><tr><th>${t('col.time')}</th><th>${t('col.result')}</th><th>${t('col.http')}</th><th>${t('col.errcode')}</th><th>${t('col.message')}</th><th>${t('col.ms')}</th></tr></thead><tbody>
    ${record.attemptLog.map((a) => `<tr><td>${escapeHtml(formatTime(a.at))}</td><td>${a.result ? t(`result.${a.result}`) : '-'}</td><td>${a.httpStatus ?? '-'}</td><td>${a.errcode ?? '-'}</td><td>${escapeHtml(a.errmsg)}</td><td>${formatNumber(a.durationMs)}</td></tr>`).join('')}
    </tbody></table>
    ${record.attemptsOmitted ? `<p class="muted">${escapeHtml(t('record.omitted', { count: formatNumber(record.attemptsOmitted) }))}</p>` : ''}`;
    $('record-confirm').hidden = record.status !== 'unconfirmed';
    $('record-dialog').showModal();
  } catch (error) {
    $('record-errors').textContent = describeError(error);
  }
});
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

applyLanguage();
if (state.token) {
  $('sign-out').hidden = false;
  showTab('robots');
} else {
  showLogin();
}
