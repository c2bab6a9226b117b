// DingTalk app use cases: register an app (its secret sealed, never returned), change, remove, list the
// groups its robot was found in; and the app's message callback, which finds them.
import { randomUUID } from 'node:crypto';
import type { CreateDingTalkAppInput, UpdateDingTalkAppInput } from '../../schemas/dingtalkApp';
import { dingtalkCallbackSchema, type DingTalkCallback } from '../../schemas/dingtalkApp';
import { isDingTalkCallback } from '../channels/dingtalkApp';
import type { ListQuery } from '../../schemas/teams';
import { auditEvent, changesBetween, type AuditAction } from '../audit/auditEvent';
import { config } from '../config';
import type { Caller } from '../domain/caller';
import type { DingTalkApp } from '../domain/dingtalkApp';
import { conflict, notFound, unauthorized } from '../errors';
import { open } from '../secrets/secretBox';
import { dingtalkAppsStore } from '../store/dingtalkAppsStore';
import { validateBody } from '../validation/validate';

/** An app as the API shows it: no secret; the URL to give DingTalk as the robot's message URL. */
export function toAppView(
  { appSecret: _secret, workspaceId: _workspace, version: _version, robotCount: _robots, ...app }: DingTalkApp,
  origin?: string,
) {
  const base = config.publicBaseUrl ?? origin ?? '';
  return { ...app, hasAppSecret: true as const, callbackUrl: `${base}/callbacks/dingtalk/${app.id}` };
}

const appAudit = (caller: Caller, action: AuditAction, before: DingTalkApp | undefined, after: DingTalkApp | undefined) => {
  const app = (after ?? before)!;
  return auditEvent(
    caller,
    action,
    { id: app.id, name: app.name },
    changesBetween(before, after, {
      sealed: ['appSecret'],
      ignore: ['id', 'workspaceId', 'version', 'robotCount', 'createdAt', 'updatedAt'],
    }),
  );
};

export async function createApp(caller: Caller, input: CreateDingTalkAppInput, origin?: string) {
  const now = new Date().toISOString();
  const app: DingTalkApp = {
    id: randomUUID(),
    workspaceId: caller.workspaceId,
    name: input.name,
    appKey: input.appKey,
    appSecret: input.appSecret,
    robotCode: input.robotCode ?? input.appKey,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return toAppView(await dingtalkAppsStore.create(app, appAudit(caller, 'dingtalk-app.create', undefined, app)), origin);
}

async function loadApp(caller: Caller, id: string): Promise<DingTalkApp> {
  const app = await dingtalkAppsStore.getIn(caller.workspaceId, id);
  if (!app) throw notFound(`No DingTalk app with id ${id}`);
  return app;
}

export const getApp = async (caller: Caller, id: string, origin?: string) => toAppView(await loadApp(caller, id), origin);

export async function listApps(caller: Caller, query: ListQuery, origin?: string) {
  const page = await dingtalkAppsStore.list(caller.workspaceId, { limit: query.limit ?? 50, cursor: query.cursor });
  return { items: page.items.map((app) => toAppView(app, origin)), nextCursor: page.nextCursor };
}

export async function updateApp(caller: Caller, id: string, input: UpdateDingTalkAppInput, origin?: string) {
  const previous = await loadApp(caller, id);
  const next: DingTalkApp = { ...previous, ...input, version: previous.version + 1, updatedAt: new Date().toISOString() };
  const stored = await dingtalkAppsStore.replace(previous, next, appAudit(caller, 'dingtalk-app.update', previous, next));
  if (!stored) throw conflict('The app changed while you edited it; load it again and retry');
  return toAppView(stored, origin);
}

export async function deleteApp(caller: Caller, id: string): Promise<void> {
  const app = await loadApp(caller, id);
  if (await dingtalkAppsStore.delete(app, appAudit(caller, 'dingtalk-app.delete', app, undefined))) return;
  const robots = await dingtalkAppsStore.robotCount(id);
  throw conflict(
    robots > 0
      ? `The app "${app.name}" sends for ${robots} robot(s); point them elsewhere or delete them first`
      : 'The app changed while it was being deleted; try again',
  );
}

export async function listGroups(caller: Caller, id: string) {
  return { items: await dingtalkAppsStore.groups(await loadApp(caller, id)) };
}

/**
 * The app's message callback. The signature and its freshness are checked before the body is read; an
 * @-mention in a group stores the group and answers in it; anything else is acknowledged and ignored.
 */
export async function receiveCallback(appId: string, headers: { timestamp?: string; sign?: string }, raw: string, now = Date.now()) {
  const refused = unauthorized("The callback's timestamp and sign headers are missing, over an hour old or not DingTalk's signature");
  const app = await dingtalkAppsStore.read(appId);
  if (!app || !isDingTalkCallback(await open(app.appSecret), headers, now)) throw refused;
  let message: DingTalkCallback;
  try {
    message = validateBody<DingTalkCallback>(dingtalkCallbackSchema, JSON.parse(raw));
  } catch {
    return {};
  }
  if (message.conversationType !== '2' || (message.robotCode !== undefined && message.robotCode !== app.robotCode)) return {};
  const title = message.conversationTitle ?? '';
  await dingtalkAppsStore.sawGroup(app, { openConversationId: message.conversationId, title, lastSeenAt: new Date(now).toISOString() });
  return {
    msgtype: 'text' as const,
    text: {
      content: `dingpush 已记录本群（${title}），管理员可以在控制台为它添加机器人。This group is registered with dingpush (${app.name}).`,
    },
  };
}
