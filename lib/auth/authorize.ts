// The authorizer: who a request acts as, in which workspace, and whether its role allows the route. It
// runs in each HTTP function (not as an API Gateway authorizer: an HTTP API answers a request without the
// identity source itself, in its own body), reading a managed token's item once per AUTH_CACHE_SECONDS per
// container. Every refusal is a 401 or 403 in the error envelope; every 403 is an audit event.
import { auditEvent } from '../audit/auditEvent';
import { containerCaches } from '../containerCache';
import { tokenRefusal, type ApiToken } from '../domain/apiToken';
import type { Caller } from '../domain/caller';
import { defaultWorkspaceId, type Workspace } from '../domain/workspace';
import { forbidden, notFound, unauthorized, wrongWorkspace } from '../errors';
import { log } from '../log';
import { auditStore } from '../store/auditStore';
import { tokensStore } from '../store/tokensStore';
import { workspacesStore } from '../store/workspacesStore';
import { apiTokenId, digestMatches } from './apiTokens';
import { instanceScopeOf } from './instanceTokens';
import { allows, describeRole, type RouteRole } from './roles';

/** What a request says about itself, as the HTTP layer read it. */
export interface Credentials {
  authorization?: string;
  /** The Dingpush-Workspace header: a workspace id or slug. */
  workspace?: string;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
}

/** The token of `Bearer <token>`, or of `Basic base64(<any user>:<token>)` for tools that only send Basic auth. */
function tokenOf(authorizationHeader: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorizationHeader ?? '');
  if (!basic) return undefined;
  const credentials = Buffer.from(basic[1], 'base64').toString('utf8');
  const password = credentials.slice(credentials.indexOf(':') + 1);
  return credentials.includes(':') && password ? password : undefined;
}

/** A workspace by id or slug; one that was not found is not kept, so a workspace made a moment later is found. */
async function workspaceNamed(idOrSlug: string): Promise<Workspace | undefined> {
  const found = await containerCaches.workspaces.get(idOrSlug, () => workspacesStore.find(idOrSlug));
  if (!found) containerCaches.workspaces.forget(idOrSlug);
  return found;
}

async function namedWorkspace(idOrSlug: string): Promise<Workspace> {
  const workspace = await workspaceNamed(idOrSlug);
  if (!workspace) throw notFound(`No workspace "${idOrSlug}" (named by the Dingpush-Workspace header)`);
  return workspace;
}

/** A managed token that is valid now, or the 401 that says why not. */
async function validApiToken(token: string, now: number): Promise<ApiToken> {
  const id = apiTokenId(token);
  const stored = id === undefined ? undefined : await containerCaches.apiTokens.get(id, () => tokensStore.read(id));
  if (!stored || !digestMatches(token, stored.digest)) throw unauthorized('The token is not valid');
  const refusal = tokenRefusal(stored, now);
  if (refusal === 'revoked')
    throw unauthorized(`The token ${stored.prefix}… was revoked at ${stored.revokedAt}; ask an admin for a new one`);
  if (refusal === 'expired') throw unauthorized(`The token ${stored.prefix}… expired at ${stored.expiresAt}; ask an admin for a new one`);
  return stored;
}

/** lastUsedAt, at most once a minute: the item as read says when it was last written. */
async function noteUse(token: ApiToken, now: number): Promise<void> {
  if (token.lastUsedAt && Date.parse(token.lastUsedAt) > now - 60_000) return;
  token.lastUsedAt = new Date(now).toISOString();
  await tokensStore.touch(token.id, now);
}

async function callerOf(credentials: Credentials, route: string, now: number): Promise<Caller> {
  const token = tokenOf(credentials.authorization);
  if (!token) throw unauthorized('Send an Authorization: Bearer <token> header (or Basic auth with the token as the password)');
  const request = { requestId: credentials.requestId, sourceIp: credentials.sourceIp, userAgent: credentials.userAgent };
  const instanceScope = await instanceScopeOf(token);
  if (instanceScope) {
    const workspaceId = credentials.workspace ? (await namedWorkspace(credentials.workspace)).id : defaultWorkspaceId;
    return {
      ...request,
      workspaceId,
      actor: { type: 'instance', name: `instance ${instanceScope}` },
      grant: { role: instanceScope, instance: true },
    };
  }
  const stored = await validApiToken(token, now);
  const caller: Caller = {
    ...request,
    workspaceId: stored.workspaceId,
    actor: { type: 'token', id: stored.id, name: stored.name, prefix: stored.prefix },
    grant: { role: stored.role, instance: false },
  };
  await noteUse(stored, now);
  const named = credentials.workspace;
  if (named && named !== stored.workspaceId && (await workspaceNamed(named))?.id !== stored.workspaceId)
    throw await denied(
      caller,
      route,
      wrongWorkspace(`This token acts only in its own workspace (${stored.workspaceId}), not in "${named}"`),
    );
  return caller;
}

/** A 403 is an audit event in the caller's workspace; losing the event must not turn the refusal into a 500. */
async function denied(caller: Caller, route: string, refusal: Error): Promise<Error> {
  try {
    await auditStore.record(auditEvent(caller, 'auth.denied', { type: 'route', id: route }, undefined, 'denied'));
  } catch (error) {
    log.error('could not write the audit event of a refusal', { error, requestId: caller.requestId });
  }
  return refusal;
}

/**
 * The caller of a route that needs `needed` (the route table's role), or the refusal as an error.
 * `route` names the route in a refusal's audit event.
 */
export async function authorize(
  credentials: Credentials,
  needed: Exclude<RouteRole, 'open'>,
  route: string,
  now = Date.now(),
): Promise<Caller> {
  const caller = await callerOf(credentials, route, now);
  if (!allows(caller.grant, needed)) {
    const held = caller.grant.instance ? `an instance ${caller.grant.role} token` : `a ${caller.grant.role} token`;
    const refusal = forbidden(`${route} needs ${describeRole(needed)}; this is ${held}`);
    throw await denied(caller, route, refusal);
  }
  return caller;
}
