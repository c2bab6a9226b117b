// dingpush console: DingTalk apps (an internal app's robot, through the OpenAPI): register one and see the
// groups its robot was found in; pick an app and group in the robot form; see who read a push and recall it.
'use strict';
/* global $, h, t, show, state, api, describeError, formatTime, formatNumber, newestLoad, showRecord, loadRecords */
/* exported showAppChoices, appTargetFromForm, appContentAsDingTalk, showAppRecord -- used by app.js */

// ---- the apps page (admins) ----
async function loadApps() {
  const isNewest = newestLoad('apps');
  const { items } = await api('GET', '/dingtalk-apps?limit=100');
  const groups = await Promise.all(items.map((app) => api('GET', `/dingtalk-apps/${encodeURIComponent(app.id)}/groups`)));
  if (!isNewest()) return;
  const rows = items.map((app, index) =>
    h(
      'tr',
      { 'data-id': app.id },
      h('td', {}, app.name),
      h('td', {}, h('code', {}, app.appKey)),
      h('td', {}, h('code', { class: 'callback-url' }, app.callbackUrl)),
      h(
        'td',
        {},
        groups[index].items.length === 0
          ? h('span', { class: 'muted' }, t('apps.noGroups'))
          : h(
              'ul',
              {},
              groups[index].items.map((group) => h('li', {}, `${group.title} `, h('code', { class: 'muted' }, group.openConversationId))),
            ),
      ),
    ),
  );
  show($('app-rows'), rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, t('apps.empty'))));
}

$('app-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('app-errors').textContent = '';
  const robotCode = $('app-robot-code').value.trim();
  try {
    const app = await api('POST', '/dingtalk-apps', {
      name: $('app-name').value.trim(),
      appKey: $('app-key').value.trim(),
      appSecret: $('app-secret').value,
      ...(robotCode && { robotCode }),
    });
    for (const id of ['app-name', 'app-key', 'app-secret', 'app-robot-code']) $(id).value = '';
    $('app-notice').textContent = t('apps.registered', { name: app.name, url: app.callbackUrl });
    await loadApps();
  } catch (error) {
    $('app-errors').textContent = describeError(error);
  }
});

// ---- the robot form: an app robot picks its app and one of the app's groups (or takes an id typed in) ----
async function showAppChoices(robot) {
  const { items } = await api('GET', '/dingtalk-apps?limit=100');
  show(
    $('robot-app'),
    items.map((app) => h('option', { value: app.id, selected: app.id === robot?.app?.appId }, app.name)),
  );
  await showAppGroups(robot?.app?.openConversationId);
}

async function showAppGroups(wanted) {
  const appId = $('robot-app').value;
  const { items } = appId ? await api('GET', `/dingtalk-apps/${encodeURIComponent(appId)}/groups`) : { items: [] };
  // what the admin chose while the groups were being read is kept
  const chosen = wanted ?? $('robot-app-group').value;
  show(
    $('robot-app-group'),
    h('option', { value: '' }, t(items.length > 0 ? 'field.appGroupChoose' : 'apps.noGroups')),
    items.map((group) => h('option', { value: group.openConversationId, selected: group.openConversationId === chosen }, group.title)),
  );
  if (wanted !== undefined)
    $('robot-app-conversation').value = wanted && !items.some((group) => group.openConversationId === wanted) ? wanted : '';
}
$('robot-app').addEventListener('change', () => showAppGroups());

/** The app and group the form names, as the API takes them. */
function appTargetFromForm() {
  return { appId: $('robot-app').value, openConversationId: $('robot-app-conversation').value.trim() || $('robot-app-group').value };
}

// ---- a record: who read it, and recall ----
/** An app robot's content, drawn as the DingTalk message the group sees. */
function appContentAsDingTalk(content) {
  if (!content?.msgKey) return content;
  const param = JSON.parse(content.msgParam);
  if (content.msgKey === 'sampleText') return { msgtype: 'text', text: { content: param.content } };
  if (content.msgKey === 'sampleLink') return { msgtype: 'link', link: param };
  if (content.msgKey.startsWith('sampleActionCard')) {
    const btns = [1, 2, 3, 4, 5]
      .filter((n) => param[`actionTitle${n}`])
      .map((n) => ({ title: param[`actionTitle${n}`], actionURL: param[`actionURL${n}`] }));
    return { msgtype: 'actionCard', actionCard: { title: param.title, text: param.text, ...(btns.length > 0 ? { btns } : param) } };
  }
  return { msgtype: 'markdown', markdown: { title: param.title ?? '', text: param.text ?? '' } };
}

async function showReads(record) {
  const target = $('record-reads');
  if (!target) return;
  try {
    const reads = await api('GET', `/push-records/${encodeURIComponent(record.id)}/reads`);
    if (state.openRecord?.id !== record.id) return;
    if (!reads.ready) show(target, h('p', { class: 'muted' }, t('record.readsNotReady')));
    else
      show(
        target,
        h('p', {}, h('strong', {}, t('record.readBy', { count: formatNumber(reads.readCount) })), ' ', reads.readUserIds.join(', ')),
        h('p', { class: 'muted' }, t('record.readsChecked', { time: formatTime(reads.checkedAt) })),
      );
  } catch (error) {
    show(target, h('p', { class: 'errors' }, describeError(error)));
  }
}

/** What an app robot's record adds to the dialog: its reads, fetched when opened, and the recall buttons. */
function showAppRecord(record) {
  const sent = record.status === 'sent' && Boolean(record.app);
  $('record-recall').hidden = !sent;
  $('record-recall-event').hidden = !record.app;
  if (!record.app || !record.messageKeys?.length) return;
  $('record-detail').prepend(h('div', { id: 'record-reads', role: 'status' }, h('p', { class: 'muted' }, t('record.readsLoading'))));
  showReads(record);
}

$('record-recall').addEventListener('click', async () => {
  const record = state.openRecord;
  if (!confirm(t('record.recallConfirm'))) return;
  try {
    await api('POST', `/push-records/${encodeURIComponent(record.id)}/recall`);
    $('record-notice').textContent = t('record.recalled');
    await showRecord(record.id);
  } catch (error) {
    $('record-errors').textContent = describeError(error);
  }
});

$('record-recall-event').addEventListener('click', async () => {
  const record = state.openRecord;
  if (!confirm(t('record.recallEverywhereConfirm', { report: record.reportName }))) return;
  try {
    const answer = await api('POST', `/events/${encodeURIComponent(record.eventId)}/recall`);
    $('record-notice').textContent = t('record.recalledEverywhere', {
      count: formatNumber(answer.recalled.length),
      left: formatNumber(answer.notRecallable.length),
    });
    $('record-dialog').close();
    await loadRecords();
  } catch (error) {
    $('record-errors').textContent = describeError(error);
  }
});
