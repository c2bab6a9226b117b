// Who may call a route. The route table declares each route's least role; `allows` is the one rule that reads it.

/** The roles a workspace token carries. */
export const tokenRoles = ['publisher', 'viewer', 'editor', 'admin'] as const;
export type TokenRole = (typeof tokenRoles)[number];

/**
 * A route's least role: `open` needs no token, `member` any valid token (whoami), `instance-admin` an
 * instance admin token (ADMIN_TOKENS).
 */
export type RouteRole = 'open' | 'member' | TokenRole | 'instance-admin';

/** Who a request acts as: an instance token's grant acts in any workspace, a workspace token's in its own. */
export interface Grant {
  role: TokenRole;
  instance: boolean;
}

/** viewer < editor < admin; a publisher only publishes; an admin may publish too; an instance admin may do everything. */
const rolesAllowed: Record<Exclude<RouteRole, 'open' | 'member' | 'instance-admin'>, readonly TokenRole[]> = {
  publisher: ['publisher', 'admin'],
  viewer: ['viewer', 'editor', 'admin'],
  editor: ['editor', 'admin'],
  admin: ['admin'],
};

export function allows(grant: Grant, needed: RouteRole): boolean {
  if (needed === 'open' || needed === 'member') return true;
  if (grant.instance && grant.role === 'admin') return true;
  if (needed === 'instance-admin') return false;
  return rolesAllowed[needed].includes(grant.role);
}

/** How a refusal names what the route needs. */
export function describeRole(needed: RouteRole): string {
  if (needed === 'instance-admin') return 'an instance admin token (ADMIN_TOKENS)';
  if (needed === 'publisher') return 'the publisher or admin role';
  if (needed === 'admin') return 'the admin role';
  return `the ${needed} role or above`;
}
