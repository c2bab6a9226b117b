// Who a change is made by and where: what the audit log names, what the stores scope every read to.
import type { Grant } from '../auth/roles';

export interface Actor {
  type: 'instance' | 'token' | 'system';
  id?: string;
  name?: string;
  prefix?: string;
}

export interface Caller {
  workspaceId: string;
  actor: Actor;
  grant: Grant;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
}

/** The service itself (the worker's automatic disable), acting in the robot's workspace. */
export const systemCaller = (workspaceId: string, requestId = 'worker'): Caller => ({
  workspaceId,
  actor: { type: 'system' },
  grant: { role: 'admin', instance: false },
  requestId,
});
