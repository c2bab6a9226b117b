// Workspaces and API tokens made through the API, as an instance admin would.
import { randomUUID } from 'node:crypto';
import { api } from './api';

export async function makeWorkspace(name = `Team ${randomUUID().slice(0, 8)}`): Promise<{ id: string; slug: string; name: string }> {
  const made = await api('POST', '/workspaces', { body: { name } });
  if (made.status !== 201) throw new Error(`POST /workspaces: ${made.status} ${made.raw}`);
  return made.body;
}

/** A workspace token of the role, made by the instance admin in the workspace (`default` unless named). */
export async function makeToken(
  role: 'publisher' | 'viewer' | 'editor' | 'admin',
  options: { workspace?: string; expiresInDays?: number; name?: string } = {},
): Promise<{ id: string; token: string; prefix: string }> {
  const made = await api('POST', '/tokens', {
    workspace: options.workspace,
    body: {
      name: options.name ?? `${role} ${randomUUID().slice(0, 6)}`,
      role,
      ...(options.expiresInDays && { expiresInDays: options.expiresInDays }),
    },
  });
  if (made.status !== 201) throw new Error(`POST /tokens: ${made.status} ${made.raw}`);
  return made.body;
}
