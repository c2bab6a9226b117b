// Robot use cases. Responses go through toRobotView: the secret and the full access token never leave.
import { randomUUID } from 'node:crypto';
import type { CreateRobotInput, ListRobotsQuery, UpdateRobotInput } from '../../schemas/robot';
import { conflict, notFound, validationFailed } from '../errors';
import { isKnownTimeZone } from '../delivery/quietHours';
import { enqueuePushJobs } from '../queue/pushJobsQueue';
import { robotsStore, type RobotRefusal, type RobotWrite } from '../store/robotsStore';
import type { AppTarget, QuietHours, Robot } from '../domain/robot';
import { dingtalkAppsStore } from '../store/dingtalkAppsStore';
import { templatesStore } from '../store/templatesStore';
import { adapterOf, defaultChannel, type Channel } from '../channels';
import { checkDistinctWebhooks, normalizeWebhookUrl, poolWebhookOf } from './webhookUrl';
import { auditEvent, changesBetween, type AuditAction } from '../audit/auditEvent';
import type { Caller } from '../domain/caller';

/** A robot's audit event: what changed, its credentials sealed. */
const robotAudit = (caller: Caller, action: AuditAction, before: Robot | undefined, after: Robot | undefined) => {
  const robot = (after ?? before)!;
  return auditEvent(
    caller,
    action,
    { id: robot.id, name: robot.name },
    changesBetween(before, after, {
      sealed: ['webhookUrl', 'secret', 'pool'],
      ignore: ['id', 'workspaceId', 'version', 'createdAt', 'updatedAt', 'webhookUrlMasked', 'consecutiveFailures'],
    }),
  );
};

/** A robot as the API shows it: no secret, the access token masked. */
export type RobotView = Omit<Robot, 'secret' | 'webhookUrl' | 'webhookUrlMasked' | 'pool'> & {
  webhookUrl?: string;
  hasSecret: boolean;
  pool?: { webhookUrl: string; hasSecret: boolean }[];
  templateName?: string;
};

export function toRobotView(robot: Robot, templateName?: string): RobotView {
  const { secret, webhookUrl, webhookUrlMasked, pool, ...rest } = robot;
  return {
    ...rest,
    // every webhook robot the store answers carries the mask; the sealed URL itself never leaves
    ...(webhookUrl !== undefined && { webhookUrl: webhookUrlMasked ?? '' }),
    hasSecret: Boolean(secret),
    ...(pool?.length && {
      pool: pool.map((webhook) => ({ webhookUrl: webhook.webhookUrlMasked ?? '', hasSecret: Boolean(webhook.secret) })),
    }),
    ...(templateName && { templateName }),
  };
}

const unknownApp = (appId: string) =>
  validationFailed(`No DingTalk app with id ${appId}; register it first (POST /dingtalk-apps)`, [
    { path: '/app/appId', message: 'does not name a DingTalk app of this workspace' },
  ]);

const refusals: Record<RobotRefusal, (robot: Robot) => Error> = {
  'name-taken': (robot) =>
    conflict(`A robot named "${robot.name}" already exists; choose another name`, [
      { path: '/name', message: 'is already used by another robot' },
    ]),
  'unknown-template': (robot) =>
    validationFailed(`No template with id ${robot.templateId}; create the template first`, [
      { path: '/templateId', message: 'does not name an existing template' },
    ]),
  'unknown-app': (robot) => unknownApp(String(robot.app?.appId)),
  changed: () => conflict('The robot changed while you edited it; load it again and retry'),
};

/** The robot as stored, or the store's refusal as the error that explains it. */
function storedOrThrow(write: RobotWrite, robot: Robot): Robot {
  if ('refused' in write) throw refusals[write.refused](robot);
  return write.stored;
}

async function withTemplateNames(robots: Robot[]): Promise<RobotView[]> {
  // robots of one workspace name templates of the same workspace (the store's transaction holds them so)
  const templates = await templatesStore.getMany(robots.map((robot) => robot.templateId));
  return robots.map((robot) => toRobotView(robot, templates.get(robot.templateId)?.name));
}

/** Fields a robot of this target may not have, with why. */
const notTaken = {
  app: {
    webhookUrl: 'is not taken by a dingtalk-app robot: it sends through its app',
    secret: 'is not taken by a dingtalk-app robot',
    pool: 'is not taken by a dingtalk-app robot',
    mention: 'is not taken: a DingTalk app robot cannot @-mention anyone',
  },
  webhook: { app: 'is taken only by a dingtalk-app robot' },
} as const;

function refuseFields(target: 'webhook' | 'app', input: Record<string, unknown>): void {
  const refused = Object.entries(notTaken[target]).filter(([field]) => input[field] !== undefined && input[field] !== null);
  if (refused.length > 0)
    throw validationFailed(
      refused.map(([field, why]) => `${field} ${why}`).join('; '),
      refused.map(([field, why]) => ({ path: `/${field}`, message: why })),
    );
}

/** An app robot's app must be one of the workspace's. */
async function checkedApp(caller: Caller, app: AppTarget): Promise<AppTarget> {
  if (!(await dingtalkAppsStore.getIn(caller.workspaceId, app.appId))) throw unknownApp(app.appId);
  return { appId: app.appId, openConversationId: app.openConversationId };
}

/** A new robot's way into its group: a checked webhook (and pool), or its app and group. */
async function targetOf(caller: Caller, channel: Channel, input: CreateRobotInput): Promise<Pick<Robot, 'webhookUrl' | 'pool' | 'app'>> {
  const target = adapterOf(channel).target;
  refuseFields(target, input);
  if (target === 'app') {
    if (!input.app) throw validationFailed('app is required for a dingtalk-app robot', [{ path: '/app', message: 'is required' }]);
    return { app: await checkedApp(caller, input.app) };
  }
  if (!input.webhookUrl) throw validationFailed('webhookUrl is required', [{ path: '/webhookUrl', message: 'is required' }]);
  const webhookUrl = normalizeWebhookUrl(input.webhookUrl, channel);
  const pool = (input.pool ?? []).map((webhook, index) => poolWebhookOf(webhook, index, channel));
  checkDistinctWebhooks(webhookUrl, pool);
  checkSecrets(channel, input);
  return { webhookUrl, ...(pool.length > 0 && { pool }) };
}

export async function createRobot(caller: Caller, input: CreateRobotInput): Promise<RobotView> {
  const channel = input.channel ?? defaultChannel;
  const target = await targetOf(caller, channel, input);
  const now = new Date().toISOString();
  const robot: Robot = {
    id: randomUUID(),
    workspaceId: caller.workspaceId,
    name: input.name,
    channel,
    ...target,
    ...(input.secret && { secret: input.secret }),
    templateId: input.templateId,
    reports: input.reports ?? ['*'],
    keywords: input.keywords ?? [],
    ...(input.mention && { mention: input.mention }),
    enabled: input.enabled ?? true,
    ...(input.digest && { digest: input.digest }),
    ...(input.quietHours && { quietHours: checkedQuietHours(input.quietHours) }),
    onUncertain: input.onUncertain ?? 'resend',
    consecutiveFailures: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const stored = storedOrThrow(await robotsStore.create(robot, robotAudit(caller, 'robot.create', undefined, robot)), robot);
  return (await withTemplateNames([stored]))[0];
}

export async function loadRobot(workspaceId: string, id: string): Promise<Robot> {
  const robot = await robotsStore.getIn(workspaceId, id);
  if (!robot) throw notFound(`No robot with id ${id}`);
  return robot;
}

export async function getRobot(caller: Caller, id: string): Promise<RobotView> {
  return (await withTemplateNames([await loadRobot(caller.workspaceId, id)]))[0];
}

export async function listRobots(caller: Caller, query: ListRobotsQuery) {
  const page = await robotsStore.list(caller.workspaceId, {
    keyword: query.keyword,
    enabled: query.enabled,
    channel: query.channel,
    limit: query.limit ?? 20,
    cursor: query.cursor,
  });
  return { items: await withTemplateNames(page.items), nextCursor: page.nextCursor };
}

export async function updateRobot(caller: Caller, id: string, input: UpdateRobotInput): Promise<RobotView> {
  const previous = await loadRobot(caller.workspaceId, id);
  refuseFields(adapterOf(previous.channel).target, input);
  const { secret, webhookUrl, pool, quietHours, app, ...changes } = input;
  const next: Robot = {
    ...previous,
    ...changes,
    ...(app && { app: await checkedApp(caller, app) }),
    ...(webhookUrl !== undefined && { webhookUrl: normalizeWebhookUrl(webhookUrl, previous.channel) }),
    version: previous.version + 1,
    updatedAt: new Date().toISOString(),
  };
  checkSecrets(previous.channel, { secret: secret ?? undefined, pool });
  if (secret === null) delete next.secret;
  else if (secret !== undefined) next.secret = secret;
  if (quietHours === null) delete next.quietHours;
  else if (quietHours !== undefined) next.quietHours = checkedQuietHours(quietHours);
  // a pool is replaced whole (its stored URLs are sealed and shown masked): [] removes it
  if (pool) {
    next.pool = pool.map((webhook, index) => poolWebhookOf(webhook, index, previous.channel));
    checkDistinctWebhooks(webhookUrl === undefined ? undefined : next.webhookUrl, next.pool);
    if (next.pool.length === 0) delete next.pool;
  }
  if (changes.enabled === true) clearDisabledState(next);
  const saved = storedOrThrow(await robotsStore.replace(previous, next, robotAudit(caller, 'robot.update', previous, next)), next);
  // quiet hours removed or moved: what they held may be due now (a release while still quiet leaves it held)
  if (previous.quietHours && JSON.stringify(previous.quietHours) !== JSON.stringify(next.quietHours))
    await enqueuePushJobs([{ kind: 'release', workspaceId: caller.workspaceId, robotId: id }]);
  return (await withTemplateNames([saved]))[0];
}

/** A signing secret the robot's chat service takes (its adapter says what is wrong with one). */
function checkSecrets(channel: Channel, input: { secret?: string; pool?: { secret?: string }[] }): void {
  const given = [
    ...(input.secret ? [{ path: '/secret', secret: input.secret }] : []),
    ...(input.pool ?? []).flatMap((webhook, index) => (webhook.secret ? [{ path: `/pool/${index}/secret`, secret: webhook.secret }] : [])),
  ];
  for (const { path, secret } of given) {
    const problem = adapterOf(channel).secretProblem(secret);
    if (problem) throw validationFailed(`${path.slice(1)} ${problem}`, [{ path, message: problem }]);
  }
}

/** Quiet hours in a time zone this runtime knows (the schema checked the rest). */
function checkedQuietHours(quietHours: QuietHours): QuietHours {
  if (!isKnownTimeZone(quietHours.timeZone)) {
    throw validationFailed(`quietHours.timeZone "${quietHours.timeZone}" is not an IANA time zone such as Asia/Shanghai`, [
      { path: '/quietHours/timeZone', message: 'is not a known IANA time zone' },
    ]);
  }
  return quietHours;
}

/** Enabling a robot forgets why it was disabled and its failure streak. */
function clearDisabledState(robot: Robot): void {
  delete robot.disabledReason;
  delete robot.disabledAutomatically;
  robot.consecutiveFailures = 0;
}

export async function setRobotEnabled(
  caller: Caller,
  id: string,
  enabled: boolean,
  reason?: string,
  automatically?: Robot['disabledAutomatically'],
): Promise<RobotView> {
  const previous = await loadRobot(caller.workspaceId, id);
  const next: Robot = { ...previous, enabled, version: previous.version + 1, updatedAt: new Date().toISOString() };
  if (enabled) clearDisabledState(next);
  else {
    next.disabledReason = reason || 'disabled by an admin';
    // an admin's disable replaces the service's: the console must not keep saying it disabled itself
    if (automatically) next.disabledAutomatically = automatically;
    else delete next.disabledAutomatically;
  }
  const action = enabled ? 'robot.enable' : automatically ? 'robot.auto-disable' : 'robot.disable';
  const stored = storedOrThrow(await robotsStore.replace(previous, next, robotAudit(caller, action, previous, next)), next);
  return (await withTemplateNames([stored]))[0];
}

export async function deleteRobot(caller: Caller, id: string): Promise<void> {
  const robot = await loadRobot(caller.workspaceId, id);
  if (!(await robotsStore.delete(robot, robotAudit(caller, 'robot.delete', robot, undefined))))
    throw conflict('The robot changed while it was being deleted; try again');
}
