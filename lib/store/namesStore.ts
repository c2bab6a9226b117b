// Every name a robot or template has had: a keyword finds records pushed under an old name and under
// the current one. One small partition per kind. A keyword search read both partitions whole each time
// (about 24 ms of DynamoDB Local's CPU, a quarter of a search), so each container keeps them for a few
// seconds (lib/containerCache.ts) and forgets them when it writes a name itself: a name added by another container is found
// by keyword at most that much later.
import { containerCaches, type UsedName } from '../containerCache';
import { keys, queryPages } from './table';

type Kind = 'robot' | 'template';

async function readNames(workspaceId: string, kind: Kind): Promise<UsedName[]> {
  const names: UsedName[] = [];
  const pages = queryPages({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.nameUsed(workspaceId, kind, '', '').pk },
    ProjectionExpression: 'id, nameLower',
  });
  for await (const page of pages) names.push(...((page.Items ?? []) as UsedName[]));
  return names;
}

const usedNames = (workspaceId: string, kind: Kind) =>
  containerCaches.usedNames.get(`${workspaceId}#${kind}`, () => readNames(workspaceId, kind));

export async function idsWithNameContaining(workspaceId: string, kind: Kind, keyword: string): Promise<Set<string>> {
  const wanted = keyword.toLowerCase();
  return new Set((await usedNames(workspaceId, kind)).filter((name) => name.nameLower.includes(wanted)).map((name) => name.id));
}

/** After this container wrote a name (create, rename): its own next search sees it. */
export function namesChanged(workspaceId: string, kind: Kind): void {
  containerCaches.usedNames.forget(`${workspaceId}#${kind}`);
}
