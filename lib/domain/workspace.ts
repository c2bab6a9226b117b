// A workspace: one team's robots, templates, events, records, tokens and audit log.

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
  updatedAt?: string;
}

/** Where everything stored before workspaces existed lives, and where instance tokens act by default. */
export const defaultWorkspaceId = 'default';

/** The default workspace exists from the start; renaming it stores it like any other. */
export const builtInDefaultWorkspace: Workspace = {
  id: defaultWorkspaceId,
  slug: defaultWorkspaceId,
  name: 'Default',
  createdAt: '2026-01-01T00:00:00.000Z',
};

/** A job queued before workspaces existed was published in the default one (a queue holds it up to 14 days). */
export const workspaceOfJob = (job: { workspaceId?: string }) => job.workspaceId ?? defaultWorkspaceId;

export const workspaceSlugPattern = /^[a-z0-9][a-z0-9-]{1,38}$/;
