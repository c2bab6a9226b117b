// API token use cases: make (the secret answered once), list, revoke, rotate with a grace period.
import type { CreateTokenInput, ListQuery, RotateTokenInput } from '../../schemas/teams';
import { auditEvent, type AuditAction, type Changes } from '../audit/auditEvent';
import { digestOf, newApiToken, newTokenId, prefixLength } from '../auth/apiTokens';
import { containerCaches } from '../containerCache';
import { tokenRefusal, type ApiToken } from '../domain/apiToken';
import type { Caller } from '../domain/caller';
import { conflict, notFound } from '../errors';
import { tokensStore } from '../store/tokensStore';

const defaultExpiryDays = 90;
const defaultGraceSeconds = 3600;

/** A token as lists show it: never its digest, never its workspace (the caller's). */
export function toTokenView({ digest: _digest, workspaceId: _workspaceId, ...view }: ApiToken) {
  return view;
}

function newToken(caller: Caller, fields: { name: string; role: ApiToken['role']; expiresInDays: number; rotatedFrom?: string }) {
  const id = newTokenId();
  const secret = newApiToken(id);
  const now = Date.now();
  const token: ApiToken = {
    id,
    workspaceId: caller.workspaceId,
    name: fields.name,
    role: fields.role,
    prefix: secret.slice(0, prefixLength),
    digest: digestOf(secret),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + fields.expiresInDays * 86_400_000).toISOString(),
    createdBy: caller.actor,
    ...(fields.rotatedFrom && { rotatedFrom: fields.rotatedFrom }),
  };
  return { token, secret };
}

const tokenAudit = (caller: Caller, action: AuditAction, token: ApiToken, changes: Changes) =>
  auditEvent(caller, action, { id: token.id, name: token.name }, changes);

export async function createToken(caller: Caller, input: CreateTokenInput) {
  const { token, secret } = newToken(caller, {
    name: input.name,
    role: input.role,
    expiresInDays: input.expiresInDays ?? defaultExpiryDays,
  });
  await tokensStore.create(
    token,
    tokenAudit(caller, 'token.create', token, {
      name: { before: null, after: token.name },
      role: { before: null, after: token.role },
      expiresAt: { before: null, after: token.expiresAt },
    }),
  );
  return { ...toTokenView(token), token: secret };
}

export async function listTokens(caller: Caller, query: ListQuery) {
  const page = await tokensStore.list(caller.workspaceId, { limit: query.limit ?? 50, cursor: query.cursor });
  return { items: page.items.map(toTokenView), nextCursor: page.nextCursor };
}

async function loadToken(caller: Caller, id: string): Promise<ApiToken> {
  const token = await tokensStore.get(caller.workspaceId, id);
  if (!token) throw notFound(`No token with id ${id}`);
  return token;
}

/** This container forgets what it read of the token, so its own next request sees the change at once. */
const forget = (id: string) => containerCaches.apiTokens.forget(id);

export async function revokeToken(caller: Caller, id: string) {
  const token = await loadToken(caller, id);
  const revokedAt = new Date().toISOString();
  const audit = tokenAudit(caller, 'token.revoke', token, { revokedAt: { before: token.revokedAt ?? null, after: revokedAt } });
  if (!(await tokensStore.revoke(token, revokedAt, audit)))
    throw conflict(`Token ${token.prefix}… was revoked already, at ${token.revokedAt}`);
  forget(id);
  return toTokenView({ ...token, revokedAt });
}

export async function rotateToken(caller: Caller, id: string, input: RotateTokenInput) {
  const old = await loadToken(caller, id);
  const now = Date.now();
  const refusal = tokenRefusal(old, now);
  if (refusal) throw conflict(`Token ${old.prefix}… no longer works (${refusal}); make a new one instead`);
  // the new token lives as long as the old one was made to
  const lifetimeDays = Math.round((Date.parse(old.expiresAt) - Date.parse(old.createdAt)) / 86_400_000);
  const expiresInDays = Math.min(365, Math.max(1, lifetimeDays));
  const { token, secret } = newToken(caller, { name: old.name, role: old.role, expiresInDays, rotatedFrom: old.id });
  const revokedAt = new Date(now + (input.graceSeconds ?? defaultGraceSeconds) * 1000).toISOString();
  const audit = tokenAudit(caller, 'token.rotate', old, {
    revokedAt: { before: old.revokedAt ?? null, after: revokedAt },
    rotatedTo: { before: null, after: token.id },
  });
  if (!(await tokensStore.revoke(old, revokedAt, audit, token))) throw conflict(`Token ${old.prefix}… was revoked or rotated meanwhile`);
  forget(id);
  return { ...toTokenView(token), token: secret };
}
