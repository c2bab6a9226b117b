// Every name a robot or template has had: a keyword finds records pushed under an old name and under
// the current one. One small partition per kind. A keyword search read both partitions whole each time
// (about 24 ms of DynamoDB Local's CPU, a quarter of a search), so each container keeps them for a few
// seconds and forgets them when it writes a name itself: a name added by another container is found
// by keyword at most that much later.
import { queryPages } from './table';

type Kind = 'robot' | 'template';
interface UsedName {
  id: string;
  nameLower: string;
}

const keepForMs = 5000;
const cached = new Map<Kind, { readAt: number; names: Promise<UsedName[]> }>();

async function readNames(kind: Kind): Promise<UsedName[]> {
  const names: UsedName[] = [];
  const pages = queryPages({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': `NAMES#${kind}` },
    ProjectionExpression: 'id, nameLower',
  });
  for await (const page of pages) names.push(...((page.Items ?? []) as UsedName[]));
  return names;
}

function usedNames(kind: Kind): Promise<UsedName[]> {
  const entry = cached.get(kind);
  if (entry && Date.now() - entry.readAt < keepForMs) return entry.names;
  const names = readNames(kind);
  cached.set(kind, { readAt: Date.now(), names });
  // a failed read is not kept: the next search reads again
  names.catch(() => cached.get(kind)?.names === names && cached.delete(kind));
  return names;
}

export async function idsWithNameContaining(kind: Kind, keyword: string): Promise<Set<string>> {
  const wanted = keyword.toLowerCase();
  return new Set((await usedNames(kind)).filter((name) => name.nameLower.includes(wanted)).map((name) => name.id));
}

/** After this container wrote a name (create, rename): its own next search sees it. */
export function namesChanged(kind: Kind): void {
  cached.delete(kind);
}
