// A managed API token as stored: its digest, never the token itself.
import type { TokenRole } from '../auth/roles';
import type { Actor } from './caller';

export interface ApiToken {
  id: string;
  workspaceId: string;
  name: string;
  role: TokenRole;
  prefix: string;
  digest: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt?: string;
  /** When it stops working: now for a revoke, the end of the grace period for a rotation. */
  revokedAt?: string;
  createdBy: Actor;
  rotatedFrom?: string;
}

/** Why a stored token no longer works at `now`, or undefined while it does. */
export function tokenRefusal(token: ApiToken, now: number): 'revoked' | 'expired' | undefined {
  if (token.revokedAt && Date.parse(token.revokedAt) <= now) return 'revoked';
  if (Date.parse(token.expiresAt) <= now) return 'expired';
  return undefined;
}
