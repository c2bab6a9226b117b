// HTTP: /whoami, /workspaces, /tokens, /audit-events
import { exportAuditEvents, listAuditEvents } from '../lib/teams/auditService';
import { createToken, listTokens, revokeToken, rotateToken } from '../lib/teams/tokenService';
import { createWorkspace, getWorkspace, listWorkspaces, renameWorkspace, whoami } from '../lib/teams/workspaceService';
import { BinaryBody, httpFunction } from './http/httpFunction';

export const handler = httpFunction('teams', {
  whoami: ({ caller }) => whoami(caller),
  createWorkspace: ({ caller, body }) => createWorkspace(caller, body),
  listWorkspaces: ({ caller, query }) => listWorkspaces(caller, query),
  getWorkspace: ({ caller, pathParameters }) => getWorkspace(caller, pathParameters.id),
  updateWorkspace: ({ caller, pathParameters, body }) => renameWorkspace(caller, pathParameters.id, body),
  createToken: ({ caller, body }) => createToken(caller, body),
  listTokens: ({ caller, query }) => listTokens(caller, query),
  revokeToken: ({ caller, pathParameters }) => revokeToken(caller, pathParameters.id),
  rotateToken: ({ caller, pathParameters, body }) => rotateToken(caller, pathParameters.id, body),
  listAuditEvents: ({ caller, query }) => listAuditEvents(caller, query),
  exportAuditEvents: async ({ caller, query }) => {
    const { text, contentType, nextCursor } = await exportAuditEvents(caller, query);
    return new BinaryBody(Buffer.from(text, 'utf8'), contentType, nextCursor ? { 'dingpush-next-cursor': nextCursor } : {});
  },
});
