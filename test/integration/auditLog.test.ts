// The audit log: every mutating route of the route table writes its change and its event together (and
// neither when the change is refused); diffs name each field, secrets "<sealed>"; filters and exports; a
// fuzz of secrets through every kind of change finds none in an event, an export or a log line.
import { randomBytes, randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { api } from '../support/api';
import { captureOutput } from '../support/captureOutput';
import { simulator } from '../support/simulator';
import { allItems } from '../support/tableItems';
import { makeToken, makeWorkspace } from '../support/teams';
import { sentAppPush } from '../support/appPush';
import { routeList, type OperationId } from '../../schemas/routes';
import { keys } from '../../lib/store/table';

// the fuzz reads the service's log lines: let info lines through (modules load lazily, after this)
process.env.LOG_LEVEL = 'info';

const unique = () => randomUUID().slice(0, 8);
const templateBody = () => ({ name: `Template ${unique()}`, msgType: 'text', text: 'hi {{reportName}}' });

async function template() {
  return (await api('POST', '/templates', { body: templateBody() })).body as { id: string; name: string };
}
async function robot(extra: object = {}) {
  const { webhookUrl } = await simulator.registerRobot();
  const made = await api('POST', '/robots', {
    body: { name: `Robot ${unique()}`, webhookUrl, templateId: (await template()).id, ...extra },
  });
  return made.body as { id: string; name: string };
}
/** A push record of a stored report, in the status given (as the worker would have left it). */
async function record(status: 'failed' | 'unconfirmed', robotId?: string) {
  const { eventsStore } = await import('../../lib/store/eventsStore');
  const { recordsStore } = await import('../../lib/store/recordsStore');
  const { newQueuedRecord } = await import('../../lib/domain/pushRecord');
  const owner = robotId ? { id: robotId, name: 'owner' } : await robot();
  const report = { eventId: `audit-${unique()}`, reportId: 'audit', reportName: 'Audit' };
  await eventsStore.begin('default', report);
  const made = newQueuedRecord({
    id: randomUUID(),
    workspaceId: 'default',
    eventId: report.eventId,
    reportId: report.reportId,
    reportName: report.reportName,
    robotId: owner.id,
    robotName: owner.name,
    channel: 'dingtalk',
    templateId: 'any',
    templateName: 'any',
  });
  await recordsStore.putMany([{ ...made, status, attempts: 1 }]);
  return { id: made.id, robotId: owner.id };
}

interface Call {
  path: string;
  body?: unknown;
  /** The workspace the change (and so its event) is in. */
  workspace?: string;
  /** The event's target id, from the answer. */
  target: (answer: any) => string;
}

/** A successful call of each audited route; a route newly marked `audit` fails below until it has one. */
const calls: Partial<Record<OperationId, () => Promise<Call>>> = {
  createTemplate: async () => ({ path: '/templates', body: templateBody(), target: (answer) => answer.id }),
  replaceTemplate: async () => {
    const { id } = await template();
    return { path: `/templates/${id}`, body: templateBody(), target: () => id };
  },
  deleteTemplate: async () => {
    const { id } = await template();
    return { path: `/templates/${id}`, target: () => id };
  },
  createTemplateFromStarter: async () => {
    const starter = (await api('GET', '/template-starters')).body.items[0].id;
    return { path: `/template-starters/${starter}`, body: { name: `Starter ${unique()}` }, target: (answer) => answer.id };
  },
  createRobot: async () => {
    const { webhookUrl } = await simulator.registerRobot();
    return {
      path: '/robots',
      body: { name: `Robot ${unique()}`, webhookUrl, templateId: (await template()).id },
      target: (answer) => answer.id,
    };
  },
  updateRobot: async () => {
    const { id } = await robot();
    return { path: `/robots/${id}`, body: { name: `Renamed ${unique()}` }, target: () => id };
  },
  deleteRobot: async () => {
    const { id } = await robot();
    return { path: `/robots/${id}`, target: () => id };
  },
  enableRobot: async () => {
    const { id } = await robot({ enabled: false });
    return { path: `/robots/${id}/enable`, target: () => id };
  },
  disableRobot: async () => {
    const { id } = await robot();
    return { path: `/robots/${id}/disable`, target: () => id };
  },
  resendPushRecord: async () => {
    const { id } = await record('failed');
    return { path: `/push-records/${id}/resend`, target: () => id };
  },
  confirmPushRecord: async () => {
    const { id } = await record('unconfirmed');
    return { path: `/push-records/${id}/confirm`, target: () => id };
  },
  resendPushRecords: async () => {
    const { robotId } = await record('failed');
    return { path: '/push-records/resend', body: { status: 'failed', robotId }, target: () => 'failed' };
  },
  recallPushRecord: async () => {
    const { id } = await sentAppPush();
    return { path: `/push-records/${id}/recall`, target: () => id };
  },
  recallEvent: async () => {
    const { eventId } = await sentAppPush();
    return { path: `/events/${eventId}/recall`, target: () => eventId };
  },
  createWorkspace: async () => ({ path: '/workspaces', body: { name: `Team ${unique()}` }, target: (answer) => answer.id }),
  updateWorkspace: async () => {
    const { id } = await makeWorkspace();
    return { path: `/workspaces/${id}`, body: { name: `Renamed ${unique()}` }, workspace: id, target: () => id };
  },
  createToken: async () => ({ path: '/tokens', body: { name: `Token ${unique()}`, role: 'viewer' }, target: (answer) => answer.id }),
  revokeToken: async () => {
    const { id } = await makeToken('viewer');
    return { path: `/tokens/${id}`, target: () => id };
  },
  createDingTalkApp: async () => ({
    path: '/dingtalk-apps',
    body: { name: `App ${unique()}`, appKey: `ding${unique()}`, appSecret: 'app-secret' },
    target: (answer) => answer.id,
  }),
  updateDingTalkApp: async () => {
    const { id } = (await api('POST', '/dingtalk-apps', { body: { name: `App ${unique()}`, appKey: `ding${unique()}`, appSecret: 'x' } }))
      .body;
    return { path: `/dingtalk-apps/${id}`, body: { appSecret: 'rotated-secret' }, target: () => id };
  },
  deleteDingTalkApp: async () => {
    const { id } = (await api('POST', '/dingtalk-apps', { body: { name: `App ${unique()}`, appKey: `ding${unique()}`, appSecret: 'x' } }))
      .body;
    return { path: `/dingtalk-apps/${id}`, target: () => id };
  },
  rotateToken: async () => {
    const { id } = await makeToken('viewer');
    return { path: `/tokens/${id}/rotate`, target: () => id };
  },
};

const eventsOf = async (workspace: string | undefined, targetId: string, action: string) =>
  (await api('GET', `/audit-events?targetId=${encodeURIComponent(targetId)}&action=${action}&limit=100`, { workspace })).body.items as {
    actor: { type: string };
    changes?: Record<string, { before: unknown; after: unknown }>;
  }[];

const audited = routeList.filter((route) => route.audit);

it('covers every mutating route of the table', () => {
  expect(audited.length).toBeGreaterThanOrEqual(17);
  for (const route of audited) expect(calls[route.operationId as OperationId]).toBeDefined();
  // every route that is not a GET either changes a setting (and is audited), or is one of these
  const unaudited = routeList.filter((route) => route.method !== 'GET' && !route.audit).map((route) => route.operationId);
  expect(unaudited.sort()).toEqual(
    [
      'previewDraftTemplate',
      'previewTemplate',
      'publishAlertmanager',
      'publishGrafana',
      'publishMetabase',
      'publishReportReady',
      'publishSuperset',
      'testRobot',
      // what DingTalk says about its groups, not a setting anyone changed
      'receiveDingTalkCallback',
    ].sort(),
  );
});

it.each(audited.map((route) => [`${route.method} ${route.path} → ${route.audit}`, route] as const))(
  '%s: the change and its event',
  async (_label, route) => {
    const call = await calls[route.operationId as OperationId]!();
    const answer = await api(route.method, call.path, { body: call.body, workspace: call.workspace });
    expect(answer.status).toBeLessThan(300);
    const target = call.target(answer.body);
    // the event is in the workspace of the change (a new workspace's own log for its creation)
    const workspace = route.operationId === 'createWorkspace' ? target : call.workspace;
    const events = await eventsOf(workspace, target, route.audit!);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: { type: 'instance', name: 'instance admin' }, result: 'ok', requestId: expect.any(String) });
  },
);

it('writes no event for a change that did not happen', async () => {
  const count = async () => (await allItems()).filter((item) => String(item.pk) === keys.audit('default', '', '').pk).length;
  const before = await count();
  const taken = await template();
  const other = await template();
  const afterSetup = await count();
  expect(afterSetup).toBe(before + 2);
  // a name taken by another template: the condition fails, nothing is written
  expect((await api('PUT', `/templates/${other.id}`, { body: { ...templateBody(), name: taken.name } })).status).toBe(409);
  // a template a robot uses cannot be deleted
  const used = await robot();
  const usedTemplate = (await api('GET', `/robots/${used.id}`)).body.templateId;
  expect((await api('DELETE', `/templates/${usedTemplate}`)).status).toBe(409);
  // only an unconfirmed push can be confirmed
  const failed = await record('failed');
  expect((await api('POST', `/push-records/${failed.id}/confirm`)).status).toBe(409);
  // an unknown template: refused before anything is written
  const { webhookUrl } = await simulator.registerRobot();
  expect((await api('POST', '/robots', { body: { name: 'Orphan', webhookUrl, templateId: 'no-such-template' } })).status).toBe(400);
  // the only events since: the two robots' creation and their templates'
  const events = (await allItems()).filter((item) => String(item.pk) === keys.audit('default', '', '').pk);
  expect(events.length).toBe(afterSetup + 4);
  expect(events.some((item) => (item.target as { id: string }).id === other.id && item.action === 'template.update')).toBe(false);
  expect(events.some((item) => (item.target as { name?: string }).name === 'Orphan')).toBe(false);
});

it('shows a change field by field, each secret as "<sealed>", and the TTL of the retention', async () => {
  const { webhookUrl } = await simulator.registerRobot();
  const secret = `SEC${randomBytes(24).toString('hex')}`;
  const made = (await api('POST', '/robots', { body: { name: `Diff ${unique()}`, webhookUrl, templateId: (await template()).id } })).body;
  await api('PATCH', `/robots/${made.id}`, { body: { name: 'Diffed', secret, keywords: ['KPI'] } });
  const [update] = await eventsOf(undefined, made.id, 'robot.update');
  expect(update.changes).toEqual({
    name: { before: made.name, after: 'Diffed' },
    secret: { before: null, after: '<sealed>' },
    keywords: { before: [], after: ['KPI'] },
  });
  const [create] = await eventsOf(undefined, made.id, 'robot.create');
  expect(create.changes).toMatchObject({ webhookUrl: { before: null, after: '<sealed>' }, name: { before: null, after: made.name } });
  const stored = (await allItems()).find((item) => item.action === 'robot.update' && (item.target as { id: string }).id === made.id)!;
  const retentionSeconds = Number(stored.expiresAt) - Math.floor(Date.parse(String(stored.at)) / 1000);
  expect(retentionSeconds).toBe(400 * 86_400);
});

it('filters by action, actor, target and time, newest first', async () => {
  const token = await makeToken('editor');
  const t = (await api('POST', '/templates', { token: token.token, body: templateBody() })).body;
  const byActor = (await api('GET', `/audit-events?actorId=${token.id}`)).body.items;
  expect(byActor).toEqual([
    expect.objectContaining({
      action: 'template.create',
      actor: expect.objectContaining({ type: 'token', id: token.id, prefix: token.prefix }),
    }),
  ]);
  expect((await api('GET', `/audit-events?targetType=template&targetId=${t.id}`)).body.items).toHaveLength(1);
  const page = (await api('GET', '/audit-events?limit=5')).body.items as { at: string }[];
  expect(page.map((event) => event.at)).toEqual([...page.map((event) => event.at)].sort().reverse());
  const future = new Date(Date.now() + 60_000).toISOString();
  expect((await api('GET', `/audit-events?from=${future}`)).body.items).toEqual([]);
  expect((await api('GET', `/audit-events?from=${future}&to=2020-01-01T00:00:00Z`)).status).toBe(400);
  // a leap second is an RFC 3339 date-time that JavaScript cannot read: a 400 naming the field, on the list and the export
  for (const path of ['/audit-events?', '/audit-events/export?format=csv&']) {
    const leap = await api('GET', `${path}to=2026-12-31T23:59:60Z`);
    expect(leap.status).toBe(400);
    expect(leap.body.error.details).toEqual([{ path: '/to', message: 'must be an ISO 8601 date-time' }]);
  }
});

it('exports oldest first as NDJSON and CSV, 10,000 an answer, the rest through Dingpush-Next-Cursor', async () => {
  const workspace = await makeWorkspace('Exported');
  const { dynamodb } = await import('../../lib/aws/clients');
  const base = Date.parse('2026-12-01T00:00:00.000Z');
  const seeded = Array.from({ length: 10_001 }, (_, index) => {
    const at = new Date(base + index * 1000).toISOString();
    const id = `seed-${String(index).padStart(5, '0')}`;
    return {
      ...keys.audit(workspace.id, at, id),
      id,
      workspaceId: workspace.id,
      at,
      action: 'template.update',
      actor: { type: 'instance', name: 'instance admin' },
      target: { type: 'template', id: `t-${index}`, name: index === 0 ? 'Sales, "daily"\nreport' : `t ${index}` },
      result: 'ok',
      requestId: 'seed',
      expiresAt: Math.floor(Date.now() / 1000) + 86_400,
    };
  });
  for (let start = 0; start < seeded.length; start += 25)
    await dynamodb.send(
      new BatchWriteCommand({
        RequestItems: { [process.env.TABLE_NAME!]: seeded.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  const first = await api('GET', '/audit-events/export?format=ndjson', { workspace: workspace.id });
  const lines = first.bytes!.toString('utf8').trimEnd().split('\n');
  // the workspace's own creation is its oldest event... written now, after the seeded ones in time
  expect(lines).toHaveLength(10_000);
  expect(JSON.parse(lines[0]).id).toBe('seed-00000');
  const cursor = first.headers!['dingpush-next-cursor'];
  expect(cursor).toEqual(expect.any(String));
  const rest = await api('GET', `/audit-events/export?format=ndjson&cursor=${cursor}`, { workspace: workspace.id });
  const restLines = rest.bytes!.toString('utf8').trimEnd().split('\n');
  expect(restLines.map((line) => JSON.parse(line).action)).toEqual(['template.update', 'workspace.create']);
  expect(rest.headers!['dingpush-next-cursor']).toBeUndefined();

  const csv = await api('GET', `/audit-events/export?format=csv&to=${new Date(base).toISOString()}`, { workspace: workspace.id });
  expect(csv.headers!['content-type']).toBe('text/csv; charset=utf-8');
  const text = csv.bytes!.toString('utf8');
  expect(text.split('\r\n')[0]).toBe(
    'at,action,result,actorType,actorId,actorName,targetType,targetId,targetName,changes,requestId,sourceIp,userAgent',
  );
  // RFC 4180: the comma, quotes and line break of the name kept inside one quoted field
  expect(text).toContain('"Sales, ""daily""\nreport"');
  expect(text.trimEnd().split('\r\n')).toHaveLength(2);
}, 120_000);

it('fuzz: no secret (webhook token, signing secret, API token) in any audit event, export or log line', async () => {
  const output = captureOutput();
  const secrets: string[] = [];
  try {
    for (let run = 0; run < 12; run++) {
      const { token: accessToken, webhookUrl } = await simulator.registerRobot({}, `fz${randomBytes(20).toString('hex')}`);
      const signing = `SEC${randomBytes(30).toString('hex')}`;
      secrets.push(accessToken, signing);
      const made = (
        await api('POST', '/robots', { body: { name: `Fuzz ${unique()}`, webhookUrl, secret: signing, templateId: (await template()).id } })
      ).body;
      const next = await simulator.registerRobot({}, `fz${randomBytes(20).toString('hex')}`);
      const nextSigning = `SEC${randomBytes(30).toString('hex')}`;
      secrets.push(next.token, nextSigning);
      await api('PATCH', `/robots/${made.id}`, {
        body: run % 2 ? { webhookUrl: next.webhookUrl } : { secret: nextSigning, pool: [{ webhookUrl: next.webhookUrl }] },
      });
      const apiToken = await makeToken(run % 2 ? 'admin' : 'publisher');
      secrets.push(apiToken.token.slice(11));
      const rotated = (await api('POST', `/tokens/${apiToken.id}/rotate`, { body: { graceSeconds: 0 } })).body;
      secrets.push(rotated.token.slice(11));
      // a refusal with the secret as the token: logged and audited as a refusal, never with its value
      await api('GET', '/robots', { token: rotated.token.slice(0, -1) });
      await api('DELETE', `/robots/${made.id}`);
    }
  } finally {
    output.restore();
  }
  const events = JSON.stringify((await allItems()).filter((item) => String(item.pk).startsWith('AUDIT#')));
  const exported = [
    (await api('GET', '/audit-events/export?format=ndjson')).bytes!.toString('utf8'),
    (await api('GET', '/audit-events/export?format=csv')).bytes!.toString('utf8'),
    (await api('GET', '/audit-events?limit=100')).raw,
  ].join('\n');
  expect(events).toContain('<sealed>');
  for (const secret of secrets) {
    expect(events).not.toContain(secret);
    expect(exported).not.toContain(secret);
    expect(output.text()).not.toContain(secret);
  }
}, 120_000);
