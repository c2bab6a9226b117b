// Bearer-token auth with two scopes. Tokens are compared in constant time (as SHA-256 digests, so length leaks nothing).
import { createHash, timingSafeEqual } from 'node:crypto';
import { config } from '../config';
import { forbidden, unauthorized } from '../errors';

export type Scope = 'admin' | 'publisher';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

const adminDigests = config.adminTokens.map(digest);
const publisherDigests = config.publisherTokens.map(digest);

function matchesAny(candidate: Buffer, digests: Buffer[]): boolean {
  // every digest is compared, so timing does not tell which list (or position) matched
  return digests.reduce((found, known) => timingSafeEqual(candidate, known) || found, false);
}

export function scopeOfToken(token: string): Scope | undefined {
  const candidate = digest(token);
  const isAdmin = matchesAny(candidate, adminDigests);
  const isPublisher = matchesAny(candidate, publisherDigests);
  if (isAdmin) return 'admin';
  if (isPublisher) return 'publisher';
  return undefined;
}

/** Admin tokens may do everything; publisher tokens may only publish events. */
export function authorize(authorizationHeader: string | undefined, required: Scope): Scope {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
  if (!match) throw unauthorized('Send an Authorization: Bearer <token> header');
  const scope = scopeOfToken(match[1]);
  if (!scope) throw unauthorized('The bearer token is not valid');
  if (required === 'admin' && scope !== 'admin') throw forbidden('This endpoint needs an admin token');
  return scope;
}
