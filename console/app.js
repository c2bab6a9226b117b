// dingpush console: plain JavaScript over the same HTTP API (no build step, no external resources).
'use strict';

const state = { token: sessionStorage.getItem('dingpush.adminToken'), templates: [], editingRobot: null, editingTemplate: null, cursors: [null], page: 0, openRecord: null };
const $ = (id) => document.getElementById(id);

function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.details = body?.error?.details ?? [];
  }
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (response.status === 401) showLogin('The token was not accepted.');
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** Every violation the API listed, one per line, so the admin can fix them all at once. */
function describeError(error) {
  if (!(error instanceof ApiError)) return String(error.message ?? error);
  const lines = error.details.map((detail) => `${detail.path.replace(/^\//, '') || 'body'}: ${detail.message}`);
  return lines.length > 0 ? lines.join('\n') : error.message;
}

// ---- navigation and sign-in ----
function showTab(name) {
  for (const button of document.querySelectorAll('nav button')) button.setAttribute('aria-current', button.dataset.tab === name ? 'page' : 'false');
  for (const id of ['robots', 'templates', 'records']) $(id).hidden = id !== name;
  $('login').hidden = true;
  if (name === 'robots') loadRobots();
  if (name === 'templates') loadTemplates();
  if (name === 'records') loadRecords();
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

// ---- robots ----
async function loadTemplatesList() {
  state.templates = (await api('GET', '/templates?limit=100')).items;
  $('robot-template').innerHTML = state.templates.map((t) => `<option value="${escapeHtml(t.id)}">${escapeHtml(t.name)}</option>`).join('');
}

async function loadRobots() {
  loadChart();
  const { items } = await api('GET', '/robots?limit=100');
  $('robot-rows').innerHTML = items
    .map(
      (robot) => `<tr data-id="${escapeHtml(robot.id)}">
        <td>${escapeHtml(robot.name)}${robot.disabledReason ? `<div class="muted">${escapeHtml(robot.disabledReason)}</div>` : ''}</td>
        <td class="muted">${escapeHtml(robot.webhookUrl)}</td>
        <td>${escapeHtml(robot.templateName ?? robot.templateId)}</td>
        <td><span class="status ${robot.enabled ? 'enabled' : 'disabled'}">${robot.enabled ? 'enabled' : 'disabled'}</span></td>
        <td style="white-space:nowrap">
          <button data-action="toggle" aria-label="${robot.enabled ? 'Disable' : 'Enable'} ${escapeHtml(robot.name)}">${robot.enabled ? 'Disable' : 'Enable'}</button>
          <button data-action="edit">Edit</button>
          <button data-action="test">Send test</button>
        </td></tr>`,
    )
    .join('') || '<tr><td colspan="5" class="muted">No robots yet. Add one with the webhook URL from the group robot\'s settings.</td></tr>';
  state.robots = Object.fromEntries(items.map((robot) => [robot.id, robot]));
}

$('robot-rows').addEventListener('click', async (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const id = button.closest('tr').dataset.id;
  const robot = state.robots[id];
  $('robot-notice').textContent = '';
  try {
    if (button.dataset.action === 'toggle') {
      await api('POST', `/robots/${id}/${robot.enabled ? 'disable' : 'enable'}`);
      $('robot-notice').textContent = `${robot.name} ${robot.enabled ? 'disabled' : 'enabled'}.`;
      await loadRobots();
    } else if (button.dataset.action === 'edit') {
      await openRobotForm(robot);
    } else if (button.dataset.action === 'test') {
      button.disabled = true;
      const record = await api('POST', `/robots/${id}/test`, {});
      $('robot-notice').textContent = `Test message to ${robot.name}: ${record.status}${record.errmsg && record.status !== 'sent' ? ` (${record.errmsg})` : ''}.`;
      button.disabled = false;
    }
  } catch (error) {
    $('robot-notice').textContent = describeError(error);
    button.disabled = false;
  }
});

async function openRobotForm(robot) {
  await loadTemplatesList();
  state.editingRobot = robot ?? null;
  $('robot-form-title').textContent = robot ? `Edit ${robot.name}` : 'Add robot';
  $('robot-name').value = robot?.name ?? '';
  $('robot-webhook').value = '';
  $('robot-webhook').placeholder = robot ? `${robot.webhookUrl} (leave empty to keep)` : 'https://oapi.dingtalk.com/robot/send?access_token=...';
  $('robot-secret').value = '';
  $('robot-reports').value = (robot?.reports ?? ['*']).join(', ');
  $('robot-keywords').value = (robot?.keywords ?? []).join(', ');
  if (robot) $('robot-template').value = robot.templateId;
  $('robot-errors').textContent = '';
  $('robot-form').hidden = false;
  $('robot-name').focus();
}

const commaList = (text) => text.split(',').map((part) => part.trim()).filter(Boolean);

$('robot-new').addEventListener('click', () => openRobotForm());
$('robot-cancel').addEventListener('click', () => ($('robot-form').hidden = true));
$('robot-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { name: $('robot-name').value, templateId: $('robot-template').value, reports: commaList($('robot-reports').value), keywords: commaList($('robot-keywords').value) };
  if ($('robot-webhook').value || !state.editingRobot) body.webhookUrl = $('robot-webhook').value;
  if ($('robot-secret').value) body.secret = $('robot-secret').value;
  try {
    if (state.editingRobot) await api('PATCH', `/robots/${state.editingRobot.id}`, body);
    else await api('POST', '/robots', body);
    $('robot-form').hidden = true;
    $('robot-notice').textContent = `Saved ${body.name}.`;
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
      return `<div class="day" title="${day.date}: ${day.sent} sent, ${day.failed} failed, ${day.skipped} skipped">${bar('sent')}${bar('failed')}${bar('skipped')}</div>`;
    })
    .join('');
  $('chart-labels').innerHTML = days.map((day) => `<span>${day.date.slice(5)}</span>`).join('');
}

// ---- templates and live preview ----
async function loadTemplates() {
  await Promise.all([loadTemplatesList(), starters.length > 0 || loadStarters()]);
  $('template-rows').innerHTML =
    state.templates
      .map((t) => `<tr data-id="${escapeHtml(t.id)}"><td>${escapeHtml(t.name)}</td><td>${t.msgType}</td><td>${t.version}</td><td>${t.robotCount ?? 0}</td><td><button data-action="edit">Edit</button></td></tr>`)
      .join('') || '<tr><td colspan="5" class="muted">No templates yet.</td></tr>';
}

$('template-rows').addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (button) openTemplateForm(state.templates.find((t) => t.id === button.closest('tr').dataset.id));
});
$('template-new').addEventListener('click', () => openTemplateForm());

// Starters: one click makes the template (in the browser's language), then it opens with its sample event.
const starterLanguage = () => (navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
let starters = [];
async function loadStarters() {
  starters = (await api('GET', '/template-starters')).items;
  $('template-starter').innerHTML = starters.map((s) => `<option value="${escapeHtml(s.id)}">${escapeHtml(s.templates[starterLanguage()].name)} (${escapeHtml(s.reportId)})</option>`).join('');
}
$('template-from-starter').addEventListener('click', async () => {
  const starter = starters.find((s) => s.id === $('template-starter').value);
  $('starter-errors').textContent = '';
  try {
    const template = await api('POST', `/template-starters/${starter.id}`, { language: starterLanguage() });
    await loadTemplates();
    openTemplateForm(template);
    $('template-data').value = JSON.stringify(starter.sample, null, 2);
    schedulePreview();
  } catch (error) {
    $('starter-errors').textContent = describeError(error);
  }
});
$('template-cancel').addEventListener('click', () => ($('template-form').hidden = true));

const pairs = (text) => text.split('\n').map((line) => line.split('|').map((part) => part.trim())).filter((parts) => parts[0]);

function openTemplateForm(template) {
  state.editingTemplate = template ?? null;
  $('template-form-title').textContent = template ? `Edit ${template.name}` : 'New template';
  $('template-name').value = template?.name ?? '';
  $('template-type').value = template?.msgType ?? 'markdown';
  $('template-title').value = template?.title ?? '{{reportName}}';
  $('template-text').value = template?.text ?? '### {{reportName}}\nRevenue: **{{data.revenue}}**\n\n{{#image}}![{{name}}]({{{url}}}){{/image}}';
  $('template-message-url').value = template?.messageUrl ?? '';
  $('template-buttons').value = (template?.buttons ?? []).map((b) => `${b.title} | ${b.url}`).join('\n');
  $('template-links').value = (template?.links ?? []).map((l) => [l.title, l.messageUrl, l.picUrl].filter(Boolean).join(' | ')).join('\n');
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
  if (msgType === 'feedCard') template.links = pairs($('template-links').value).map(([title, messageUrl, picUrl]) => ({ title, messageUrl: messageUrl ?? '', ...(picUrl && { picUrl }) }));
  return template;
}

let previewTimer;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(updatePreview, 250);
}
for (const id of ['template-type', 'template-title', 'template-text', 'template-message-url', 'template-buttons', 'template-links', 'template-data']) $(id).addEventListener('input', schedulePreview);

async function updatePreview() {
  let data;
  try {
    data = JSON.parse($('template-data').value || '{}');
  } catch {
    $('preview-warnings').textContent = 'The sample data is not valid JSON.';
    return;
  }
  try {
    const preview = await api('POST', '/template-previews', { template: templateFromForm(), data });
    $('preview').innerHTML = renderDingTalk(preview.message);
    $('preview-bytes').textContent = `${preview.bytes} bytes of 20,000`;
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
      if (heading) return `<h${Math.min(3, heading[1].length)}>${inline(heading[2])}</h${Math.min(3, heading[1].length)}>`;
      if (/^>\s?/.test(line)) return `<blockquote>${inline(line.replace(/^>\s?/, ''))}</blockquote>`;
      if (/^\s*[-*]\s+/.test(line)) return `<div>• ${inline(line.replace(/^\s*[-*]\s+/, ''))}</div>`;
      if (/^\s*\d+\.\s+/.test(line)) return `<div>${inline(line.trim())}</div>`;
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
function recordQuery(cursor) {
  const params = new URLSearchParams({ limit: '20' });
  if ($('record-keyword').value.trim()) params.set('keyword', $('record-keyword').value.trim());
  if ($('record-status').value) params.set('status', $('record-status').value);
  if ($('record-from').value) params.set('from', new Date($('record-from').value).toISOString());
  if ($('record-to').value) params.set('to', new Date($('record-to').value).toISOString());
  if (cursor) params.set('cursor', cursor);
  return `/push-records?${params}`;
}

async function loadRecords() {
  $('record-errors').textContent = '';
  try {
    const { items, nextCursor } = await api('GET', recordQuery(state.cursors[state.page]));
    $('record-rows').innerHTML =
      items
        .map(
          (r) => `<tr data-id="${escapeHtml(r.id)}"><td>${new Date(r.createdAt).toLocaleString()}</td><td>${escapeHtml(r.robotName)}</td><td>${escapeHtml(r.templateName)}</td>
          <td>${escapeHtml(r.reportName)}</td><td><span class="status ${r.status}">${r.status}</span>${r.errmsg && r.status !== 'sent' ? `<div class="muted">${escapeHtml(r.errmsg)}</div>` : ''}</td>
          <td><button data-action="view">View content</button></td></tr>`,
        )
        .join('') || '<tr><td colspan="6" class="muted">No push records match.</td></tr>';
    state.cursors[state.page + 1] = nextCursor;
    $('record-next').disabled = !nextCursor;
    $('record-prev').disabled = state.page === 0;
  } catch (error) {
    $('record-errors').textContent = describeError(error);
  }
}

$('record-filters').addEventListener('submit', (event) => {
  event.preventDefault();
  state.cursors = [null];
  state.page = 0;
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

$('record-rows').addEventListener('click', async (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const record = await api('GET', `/push-records/${button.closest('tr').dataset.id}`);
  state.openRecord = record;
  const template = record.template ? `${escapeHtml(record.template.name)} v${record.template.version} (${record.template.msgType})` : 'not rendered';
  $('record-detail').innerHTML = `
    <p><span class="status ${record.status}">${record.status}</span> ${escapeHtml(record.robotName)} · ${escapeHtml(record.reportName)} · ${new Date(record.createdAt).toLocaleString()}</p>
    ${record.errmsg && record.status !== 'sent' ? `<p class="errors">${escapeHtml(record.errmsg)}</p>` : ''}
    <div class="split">
      <div><h3>As the group saw it</h3><div class="phone"><div class="bubble">${record.content ? renderDingTalk(record.content) : '<span class="muted">Nothing was sent.</span>'}</div></div></div>
      <div><h3>Exact body sent</h3><pre>${escapeHtml(JSON.stringify(record.content, null, 2))}</pre></div>
    </div>
    <h3>Template: ${template}</h3><pre>${escapeHtml(JSON.stringify(record.template, null, 2))}</pre>
    <h3>Attempts</h3>
    <table><thead><tr><th>Time</th><th>HTTP</th><th>errcode</th><th>Message</th><th>ms</th></tr></thead><tbody>
    ${record.attemptLog.map((a) => `<tr><td>${new Date(a.at).toLocaleString()}</td><td>${a.httpStatus ?? '-'}</td><td>${a.errcode ?? '-'}</td><td>${escapeHtml(a.errmsg)}</td><td>${a.durationMs}</td></tr>`).join('')}
    </tbody></table>`;
  $('record-dialog').showModal();
});
$('record-close').addEventListener('click', () => $('record-dialog').close());
$('record-resend').addEventListener('click', async () => {
  const queued = await api('POST', `/push-records/${state.openRecord.id}/resend`);
  $('record-dialog').close();
  $('record-errors').textContent = '';
  await loadRecords();
  $('record-errors').textContent = `Queued again as ${queued.id}.`;
});

if (state.token) {
  $('sign-out').hidden = false;
  showTab('robots');
} else {
  showLogin();
}
