// Workspaces do not see each other, generated from the route table: every route that takes an id, called
// from another workspace with this workspace's ids, answers 404 and changes nothing (the table says so);
// no list shows another workspace's items; the same eventId in two workspaces reaches each one's robots.
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { simulator } from '../support/simulator';
import { allItems } from '../support/tableItems';
import { makeToken, makeWorkspace } from '../support/teams';
import { waitFor } from '../support/waitFor';
import { startWorker } from '../support/worker';
import { routeList } from '../../schemas/routes';

/** A team's things: a template, a robot, a token and (sent by the worker) a push record. */
async function seedWorkspace(workspace: string, reportId: string) {
  const admin = (await makeToken('admin', { workspace })).token;
  const publisher = (await makeToken('publisher', { workspace })).token;
  const template = (
    await api('POST', '/templates', { token: admin, body: { name: 'Daily', msgType: 'text', text: '{{reportName}} for {{data.team}}' } })
  ).body;
  const { token: robotToken, webhookUrl } = await simulator.registerRobot();
  const robot = (
    await api('POST', '/robots', { token: admin, body: { name: 'Sales group', webhookUrl, templateId: template.id, reports: [reportId] } })
  ).body;
  const app = (
    await api('POST', '/dingtalk-apps', { token: admin, body: { name: 'Sales app', appKey: `ding${workspace}`, appSecret: 'app-secret' } })
  ).body;
  return {
    workspace,
    admin,
    publisher,
    template,
    robot,
    robotToken,
    appId: app.id,
    tokenId: (await makeToken('viewer', { workspace })).id,
  };
}

type Seeded = Awaited<ReturnType<typeof seedWorkspace>>;
let a: Seeded;
let b: Seeded;
let recordOfA: string;
const reportId = `shared-${randomUUID().slice(0, 8)}`;
const eventId = `daily-${randomUUID().slice(0, 8)}`;
/** An event only the first workspace published (both published `eventId`: each recalls its own). */
const eventOnlyInA = `only-a-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const first = await makeWorkspace('Finance');
  const second = await makeWorkspace('Sales');
  a = await seedWorkspace(first.id, reportId);
  // the same names in the other workspace: names are per workspace
  b = await seedWorkspace(second.slug, reportId);
  const worker = startWorker();
  try {
    // the same eventId published in both: each fans out to its own robot only
    for (const team of [a, b]) {
      const published = await api('POST', '/events/report-ready', {
        token: team.publisher,
        body: { eventId, reportId, reportName: 'Daily', data: { team: team.workspace } },
      });
      expect(published.body).toMatchObject({ jobs: 1, duplicate: false });
    }
    for (const team of [a, b])
      await waitFor(
        () => simulator.messages(team.robotToken),
        (messages) => messages.length === 1,
        { what: 'one push per workspace' },
      );
  } finally {
    await worker.stop();
  }
  recordOfA = (await api('GET', `/push-records?eventId=${eventId}`, { token: a.admin })).body.items[0].id;
  await api('POST', '/events/report-ready', { token: a.publisher, body: { eventId: eventOnlyInA, reportId, reportName: 'Daily' } });
}, 60_000);

it('sends the same eventId of two workspaces to each one’s own robot, with its own data', async () => {
  for (const team of [a, b]) {
    const [message] = await simulator.messages(team.robotToken);
    expect(JSON.stringify(message.body)).toContain(`Daily for ${team.workspace}`);
    const records = (await api('GET', `/push-records?eventId=${eventId}`, { token: team.admin })).body.items;
    expect(records.map((record: { robotId: string }) => record.robotId)).toEqual([team.robot.id]);
  }
});

/** This workspace's id for each kind of path parameter; a route with an id of a new kind fails here until it is added. */
const idFor = (path: string): string => {
  const ids: Record<string, () => string> = {
    '/templates/': () => a.template.id,
    '/robots/': () => a.robot.id,
    '/push-records/': () => recordOfA,
    '/tokens/': () => a.tokenId,
    '/workspaces/': () => a.workspace,
    '/dingtalk-apps/': () => a.appId,
    '/events/': () => eventOnlyInA,
  };
  const kind = Object.keys(ids).find((prefix) => path.startsWith(prefix));
  if (!kind) throw new Error(`${path}: say in this test which of a workspace's ids it takes`);
  return ids[kind]();
};

/** Bodies the routes that require one take (the others' are optional). */
const validBodies: Record<string, object> = {
  replaceTemplate: { name: 'Taken over', msgType: 'text', text: 'x' },
  updateRobot: { name: 'Taken over' },
  updateWorkspace: { name: 'Taken over' },
  updateDingTalkApp: { name: 'Taken over' },
};

/** Routes whose id is not a workspace's: a starter is the same for everyone, an image is opened by its unguessable id. */
const sharedIds = ['/template-starters/{id}', '/images/{id}'];
const byId = routeList.filter((route) => /\{(id|eventId)\}/.test(route.path) && !sharedIds.includes(route.path));

const ownItems = async (workspaceId: string) =>
  JSON.stringify(
    (await allItems())
      .filter((item) => item.workspaceId === workspaceId && !String(item.pk).startsWith('AUDIT#'))
      .sort((x, y) => `${x.pk}${x.sk}`.localeCompare(`${y.pk}${y.sk}`)),
  );

it.each(byId.map((route) => [`${route.method} ${route.path}`, route] as const))(
  '%s with another workspace’s id: 404, nothing changed',
  async (_label, route) => {
    const before = await ownItems(a.workspace);
    const response = await api(route.method, route.path.replace(/\{(id|eventId)\}/, idFor(route.path)), {
      token: b.admin,
      ...(route.body && { body: validBodies[route.operationId] ?? {} }),
    });
    // a body the route refuses would hide the 404
    if (response.status === 400) throw new Error(`${route.method} ${route.path}: give this test a body the route takes (${response.raw})`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NotFound');
    expect(await ownItems(a.workspace)).toBe(before);
  },
);

it('lists none of another workspace’s items, and takes none of its ids in a body or a filter', async () => {
  for (const path of ['/robots', '/templates', '/push-records', '/tokens', '/audit-events', '/workspaces', '/dingtalk-apps']) {
    const listed = JSON.stringify((await api('GET', `${path}?limit=100`, { token: b.admin })).body.items);
    for (const id of [a.robot.id, a.template.id, recordOfA, a.tokenId, a.workspace, a.appId]) expect(listed).not.toContain(id);
  }
  expect((await api('GET', `/push-records?robotId=${a.robot.id}`, { token: b.admin })).body.items).toEqual([]);
  expect((await api('GET', `/push-records?templateId=${a.template.id}`, { token: b.admin })).body.items).toEqual([]);
  const before = await ownItems(a.workspace);
  const { webhookUrl } = await simulator.registerRobot();
  const robot = await api('POST', '/robots', { token: b.admin, body: { name: 'Borrowing', webhookUrl, templateId: a.template.id } });
  expect(robot.status).toBe(400);
  expect(robot.body.error.details).toEqual([{ path: '/templateId', message: 'does not name an existing template' }]);
  const targeted = await api('POST', '/events/report-ready', {
    token: b.publisher,
    body: { eventId: randomUUID(), reportId, reportName: 'x', robotIds: [a.robot.id] },
  });
  expect(targeted.status).toBe(400);
  const preview = await api('POST', '/template-previews', {
    token: b.admin,
    body: { template: { name: 'x', msgType: 'text', text: 'x' }, robotId: a.robot.id },
  });
  expect(preview.status).toBe(400);
  const bulk = await api('POST', '/push-records/resend', { token: b.admin, body: { status: 'failed', robotId: a.robot.id } });
  expect(bulk.body.resent).toEqual([]);
  expect(await ownItems(a.workspace)).toBe(before);
});

it('refuses a workspace token that names another workspace: 403 WrongWorkspace, an audit event in its own', async () => {
  const refused = await api('GET', '/robots', { token: b.admin, workspace: a.workspace });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('WrongWorkspace');
  // its own, by id or slug, is fine
  const own = (await api('GET', '/whoami', { token: b.admin })).body.workspace;
  expect((await api('GET', '/robots', { token: b.admin, workspace: own.slug })).status).toBe(200);
  const denied = (await api('GET', '/audit-events?action=auth.denied', { token: b.admin })).body.items;
  expect(denied[0]).toMatchObject({ action: 'auth.denied', result: 'denied', target: { type: 'route', id: 'GET /robots' } });
});

it('lets an instance token act in any workspace through Dingpush-Workspace, by id or slug; an unknown one is a 404', async () => {
  const inA = await api('GET', '/robots', { workspace: a.workspace });
  expect(inA.body.items.map((robot: { id: string }) => robot.id)).toEqual([a.robot.id]);
  const whoami = await api('GET', '/whoami', { workspace: a.workspace });
  expect(whoami.body).toMatchObject({ workspace: { id: a.workspace, name: 'Finance' }, actor: { type: 'instance', role: 'admin' } });
  expect((await api('GET', '/robots', { workspace: 'no-such-workspace' })).status).toBe(404);
});
