// dingpush console, part two: who is signed in (GET /whoami), what their role offers, the workspace an
// instance admin works in, and the pages of an admin: API tokens, the audit log, workspaces.
'use strict';
/* global $, h, t, show, state, api, request, describeError, formatTime, newestLoad, showTab */

// ---- who is signed in, and what the role offers ----
const roleOffers = {
  publisher: [],
  viewer: ['robots', 'templates', 'records'],
  editor: ['robots', 'templates', 'records'],
  admin: ['robots', 'templates', 'records', 'tokens', 'apps', 'audit'],
};

/** Reads who the token is, and shows only what its role may do (the API refuses the rest anyway). */
async function signedIn() {
  state.me = await api('GET', '/whoami');
  const { role, type } = state.me.actor;
  const instanceAdmin = type === 'instance' && role === 'admin';
  const tabs = [...roleOffers[role], ...(instanceAdmin ? ['workspaces'] : [])];
  for (const button of document.querySelectorAll('nav button')) button.hidden = !tabs.includes(button.dataset.tab);
  document.body.dataset.canEdit = String(role === 'editor' || role === 'admin');
  $('sign-out').hidden = false;
  describeSignIn();
  $('workspace-switcher').hidden = !instanceAdmin;
  if (instanceAdmin) await loadWorkspaceChoices();
}

function describeSignIn() {
  if (!state.me) return;
  const { workspace, actor } = state.me;
  const role = actor.type === 'instance' && actor.role === 'admin' ? t('role.instanceAdmin') : t(`role.${actor.role}`);
  $('whoami').textContent = t('whoami', { workspace: workspace.name, role });
}

async function loadWorkspaceChoices() {
  const { items } = await api('GET', '/workspaces?limit=100');
  show(
    $('workspace-switch'),
    items.map((workspace) => h('option', { value: workspace.id, selected: workspace.id === state.me.workspace.id }, workspace.name)),
  );
}

$('workspace-switch').addEventListener('change', async () => {
  state.workspace = $('workspace-switch').value;
  sessionStorage.setItem('dingpush.workspace', state.workspace);
  await signedIn();
  showTab(state.tab);
});

// ---- API tokens ----
function tokenStatus(token) {
  const now = Date.now();
  if (token.revokedAt && Date.parse(token.revokedAt) <= now) return { key: 'tokens.revoked', className: 'disabled' };
  if (Date.parse(token.expiresAt) <= now) return { key: 'tokens.expired', className: 'disabled' };
  if (token.revokedAt) return { key: 'tokens.rotating', className: 'held', until: token.revokedAt };
  return { key: 'tokens.active', className: 'enabled' };
}

async function loadTokens() {
  const isNewest = newestLoad('tokens');
  const { items } = await api('GET', '/tokens?limit=100');
  if (!isNewest()) return;
  const rows = items.map((token) => {
    const status = tokenStatus(token);
    const usable = status.key === 'tokens.active';
    return h(
      'tr',
      { 'data-id': token.id },
      h('td', {}, token.name),
      h('td', {}, t(`role.${token.role}`)),
      h('td', {}, h('code', {}, `${token.prefix}…`)),
      h('td', {}, formatTime(token.expiresAt)),
      h('td', {}, token.lastUsedAt ? formatTime(token.lastUsedAt) : t('tokens.neverUsed')),
      h('td', {}, h('span', { class: `status ${status.className}` }, t(status.key, { until: status.until && formatTime(status.until) }))),
      h(
        'td',
        { style: { whiteSpace: 'nowrap' } },
        usable && h('button', { 'data-action': 'rotate', 'aria-label': t('tokens.rotateNamed', { name: token.name }) }, t('tokens.rotate')),
        ' ',
        !token.revokedAt &&
          h('button', { 'data-action': 'revoke', 'aria-label': t('tokens.revokeNamed', { name: token.name }) }, t('tokens.revoke')),
      ),
    );
  });
  show($('token-rows'), rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, t('tokens.empty'))));
}

/** The secret of a token just made: shown here once, never again. */
function showSecret(made) {
  $('token-secret').hidden = false;
  $('token-secret-value').textContent = made.token;
  $('token-copied').textContent = '';
  $('token-copy').focus();
}

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('token-errors').textContent = '';
  $('token-notice').textContent = '';
  try {
    const made = await api('POST', '/tokens', {
      name: $('token-name').value.trim(),
      role: $('token-role').value,
      expiresInDays: Number($('token-expiry').value),
    });
    $('token-name').value = '';
    await loadTokens();
    showSecret(made);
  } catch (error) {
    $('token-errors').textContent = describeError(error);
  }
});

$('token-copy').addEventListener('click', async () => {
  const secret = $('token-secret-value').textContent;
  try {
    await navigator.clipboard.writeText(secret);
    $('token-copied').textContent = t('tokens.copied');
  } catch {
    // no clipboard permission: select it, so Ctrl-C copies it
    getSelection().selectAllChildren($('token-secret-value'));
    $('token-copied').textContent = t('tokens.selected');
  }
});

$('token-rows').addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('tr').dataset.id;
  const name = button.closest('tr').firstChild.textContent;
  $('token-errors').textContent = '';
  $('token-secret').hidden = true;
  try {
    if (button.dataset.action === 'revoke') {
      if (!confirm(t('tokens.revokeConfirm', { name }))) return;
      await api('DELETE', `/tokens/${encodeURIComponent(id)}`);
      $('token-notice').textContent = t('tokens.revokedNotice', { name });
      await loadTokens();
    } else {
      const made = await api('POST', `/tokens/${encodeURIComponent(id)}/rotate`, {});
      $('token-notice').textContent = t('tokens.rotatedNotice', { name });
      await loadTokens();
      showSecret(made);
    }
  } catch (error) {
    $('token-errors').textContent = describeError(error);
  }
});

// ---- the audit log ----
/** The actions to filter by, as the API's own document lists them (GET /openapi.json, open): one list, in lib/audit. */
let auditActionsShown = false;
async function showAuditActions() {
  if (auditActionsShown) return;
  const response = await fetch('/openapi.json');
  const parameters = (await response.json()).paths['/audit-events'].get.parameters;
  const actions = parameters.find((parameter) => parameter.name === 'action').schema.enum;
  show(
    $('audit-action'),
    h('option', { value: '', 'data-i18n': 'filter.any' }, t('filter.any')),
    actions.map((action) => h('option', { value: action }, action)),
  );
  auditActionsShown = true;
}

const localToIso = (value) => (value ? new Date(value).toISOString() : undefined);

function auditFilter() {
  const filter = {
    action: $('audit-action').value,
    actorId: $('audit-actor').value.trim(),
    targetType: $('audit-target-type').value,
    targetId: $('audit-target').value.trim(),
    from: localToIso($('audit-from').value),
    to: localToIso($('audit-to').value),
  };
  return new URLSearchParams(Object.entries(filter).filter(([, value]) => value));
}

const actorText = (actor) =>
  actor.type === 'system'
    ? t('audit.system')
    : actor.type === 'instance'
      ? (actor.name ?? t('role.instanceAdmin'))
      : `${actor.name} (${actor.prefix}…)`;
const showValue = (value) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/** The change field by field: before and after, side by side. */
function changesTable(event) {
  const entries = Object.entries(event.changes ?? {});
  if (entries.length === 0) return h('p', { class: 'muted' }, t('audit.noChanges'));
  return h(
    'table',
    {},
    h('caption', { class: 'muted' }, t('audit.changesOf', { action: event.action })),
    h('thead', {}, h('tr', {}, h('th', {}, t('audit.field')), h('th', {}, t('audit.before')), h('th', {}, t('audit.after')))),
    h(
      'tbody',
      {},
      entries.map(([field, change]) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, field),
          h('td', { class: 'diff' }, showValue(change.before)),
          h('td', { class: 'diff' }, showValue(change.after)),
        ),
      ),
    ),
  );
}

const auditPage = { cursor: null, events: {} };

async function loadAudit(more = false) {
  const isNewest = newestLoad('audit');
  $('audit-errors').textContent = '';
  await showAuditActions();
  const query = auditFilter();
  query.set('limit', '50');
  if (more && auditPage.cursor) query.set('cursor', auditPage.cursor);
  let page;
  try {
    page = await api('GET', `/audit-events?${query}`);
  } catch (error) {
    $('audit-errors').textContent = describeError(error);
    return;
  }
  if (!isNewest()) return;
  if (!more) auditPage.events = {};
  for (const event of page.items) auditPage.events[event.id] = event;
  auditPage.cursor = page.nextCursor;
  $('audit-more').disabled = !page.nextCursor;
  const rows = page.items.map((event) =>
    h(
      'tr',
      { 'data-id': event.id },
      h('td', {}, formatTime(event.at)),
      h('td', {}, event.action),
      h('td', {}, actorText(event.actor)),
      h('td', {}, `${t(`target.${event.target.type}`)}: ${event.target.name ?? event.target.id}`),
      h('td', {}, h('span', { class: `status ${event.result === 'ok' ? 'enabled' : 'disabled'}` }, t(`audit.result.${event.result}`))),
      h(
        'td',
        {},
        h('button', { 'aria-expanded': 'false', 'aria-label': t('audit.detailsOf', { action: event.action }) }, t('audit.details')),
      ),
    ),
  );
  if (more) $('audit-rows').append(...rows);
  else show($('audit-rows'), rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, t('audit.empty'))));
}

$('audit-filters').addEventListener('submit', (event) => {
  event.preventDefault();
  loadAudit();
});
$('audit-more').addEventListener('click', () => loadAudit(true));
$('audit-rows').addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const row = button.closest('tr');
  const open = row.nextElementSibling?.classList.contains('audit-detail');
  if (open) row.nextElementSibling.remove();
  else row.after(h('tr', { class: 'audit-detail' }, h('td', { colspan: 6 }, changesTable(auditPage.events[row.dataset.id]))));
  button.setAttribute('aria-expanded', String(!open));
});

/** Every page of the export, joined (the API answers 10,000 events a page), saved as a file. */
async function exportAudit(format) {
  $('audit-errors').textContent = '';
  const base = new URLSearchParams([['format', format], ...[...auditFilter()].filter(([name]) => name === 'from' || name === 'to')]);
  const parts = [];
  let cursor;
  try {
    do {
      const query = new URLSearchParams(base);
      if (cursor) query.set('cursor', cursor);
      const response = await request('GET', `/audit-events/export?${query}`);
      const text = await response.text();
      // a CSV page after the first repeats the header row
      parts.push(format === 'csv' && parts.length > 0 ? text.slice(text.indexOf('\r\n') + 2) : text);
      cursor = response.headers.get('dingpush-next-cursor');
    } while (cursor);
  } catch (error) {
    $('audit-errors').textContent = describeError(error);
    return;
  }
  const file = new Blob(parts, { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
  const link = h('a', { href: URL.createObjectURL(file), download: `dingpush-audit-${state.me.workspace.slug}.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
}
$('audit-export-ndjson').addEventListener('click', () => exportAudit('ndjson'));
$('audit-export-csv').addEventListener('click', () => exportAudit('csv'));

// ---- workspaces (an instance admin's) ----
async function loadWorkspaces() {
  const isNewest = newestLoad('workspaces');
  const { items } = await api('GET', '/workspaces?limit=100');
  if (!isNewest()) return;
  show(
    $('workspace-rows'),
    items.map((workspace) =>
      h(
        'tr',
        {},
        h('td', {}, workspace.name),
        h('td', {}, workspace.slug),
        h('td', {}, h('code', {}, workspace.id)),
        h('td', {}, formatTime(workspace.createdAt)),
      ),
    ),
  );
}

$('workspace-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('workspace-errors').textContent = '';
  const slug = $('workspace-slug').value.trim();
  try {
    await api('POST', '/workspaces', { name: $('workspace-name').value.trim(), ...(slug && { slug }) });
    $('workspace-name').value = '';
    $('workspace-slug').value = '';
    await Promise.all([loadWorkspaces(), loadWorkspaceChoices()]);
  } catch (error) {
    $('workspace-errors').textContent = describeError(error);
  }
});
