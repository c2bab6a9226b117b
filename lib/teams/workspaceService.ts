// Workspace use cases: create (instance admin), list, read, rename, and who the caller is.
import { randomBytes } from 'node:crypto';
import type { CreateWorkspaceInput, ListQuery, UpdateWorkspaceInput } from '../../schemas/teams';
import { auditEvent, changesBetween } from '../audit/auditEvent';
import type { Caller } from '../domain/caller';
import { defaultWorkspaceId, workspaceSlugPattern, type Workspace } from '../domain/workspace';
import { conflict, notFound } from '../errors';
import { workspacesStore } from '../store/workspacesStore';

/** A slug from the name when none is given: lower-case ASCII words joined by dashes (or a random one). */
function slugOf(name: string): string {
  const words = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 39)
    .replace(/-+$/, '');
  return workspaceSlugPattern.test(words) ? words : `ws-${randomBytes(4).toString('hex')}`;
}

export async function createWorkspace(caller: Caller, input: CreateWorkspaceInput): Promise<Workspace> {
  const slug = input.slug ?? slugOf(input.name);
  if (slug === defaultWorkspaceId)
    throw conflict('The slug "default" belongs to the default workspace; choose another', [{ path: '/slug', message: 'is taken' }]);
  const workspace: Workspace = { id: `ws_${randomBytes(8).toString('hex')}`, slug, name: input.name, createdAt: new Date().toISOString() };
  const audit = auditEvent(
    { ...caller, workspaceId: workspace.id },
    'workspace.create',
    { id: workspace.id, name: workspace.name },
    changesBetween(undefined, workspace, { ignore: ['id', 'createdAt'] }),
  );
  if (!(await workspacesStore.create(workspace, audit)))
    throw conflict(`A workspace with the slug "${slug}" already exists; choose another`, [{ path: '/slug', message: 'is taken' }]);
  return workspace;
}

/** An instance admin may read any workspace; a workspace token its own. Another's reads as absent. */
async function visibleWorkspace(caller: Caller, id: string): Promise<Workspace> {
  const workspace = caller.grant.instance || id === caller.workspaceId ? await workspacesStore.find(id) : undefined;
  if (!workspace || (!caller.grant.instance && workspace.id !== caller.workspaceId)) throw notFound(`No workspace with id ${id}`);
  return workspace;
}

export const getWorkspace = visibleWorkspace;

export async function listWorkspaces(caller: Caller, query: ListQuery) {
  if (!caller.grant.instance) return { items: [await visibleWorkspace(caller, caller.workspaceId)], nextCursor: null };
  return workspacesStore.list({ limit: query.limit ?? 50, cursor: query.cursor });
}

export async function renameWorkspace(caller: Caller, id: string, input: UpdateWorkspaceInput): Promise<Workspace> {
  // an admin token renames its own workspace; an instance admin any (the route needs the admin role)
  const previous = await visibleWorkspace(caller, id);
  const next: Workspace = { ...previous, name: input.name, updatedAt: new Date().toISOString() };
  const audit = auditEvent(
    { ...caller, workspaceId: previous.id },
    'workspace.update',
    { id: previous.id, name: next.name },
    changesBetween(previous, next, { ignore: ['updatedAt'] }),
  );
  if (!(await workspacesStore.rename(previous, next, audit)))
    throw conflict('The workspace changed while you renamed it; load it again and retry');
  return next;
}

export async function whoami(caller: Caller) {
  const workspace = await workspacesStore.get(caller.workspaceId);
  if (!workspace) throw notFound(`No workspace with id ${caller.workspaceId}`);
  const { type, id, name } = caller.actor;
  return {
    workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name },
    actor: {
      type: type === 'token' ? ('token' as const) : ('instance' as const),
      ...(id && { id }),
      ...(name && { name }),
      role: caller.grant.role,
    },
  };
}
