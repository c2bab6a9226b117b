// Callers for tests and benchmarks that call the use cases directly, as the HTTP layer would after authorizing.
import type { Caller } from '../../lib/domain/caller';

export const instanceAdmin = (workspaceId = 'default'): Caller => ({
  workspaceId,
  actor: { type: 'instance', name: 'instance admin' },
  grant: { role: 'admin', instance: true },
  requestId: 'test',
});
