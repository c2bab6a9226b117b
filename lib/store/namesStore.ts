// Every name a robot or template has had: a keyword finds records pushed under an old name and under
// the current one. One small partition per kind, read with a filter (names, not records).
import { queryPages } from './table';

export async function idsWithNameContaining(kind: 'robot' | 'template', keyword: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const pages = queryPages({
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: 'contains(nameLower, :keyword)',
    ExpressionAttributeValues: { ':pk': `NAMES#${kind}`, ':keyword': keyword.toLowerCase() },
    ProjectionExpression: 'id',
  });
  for await (const page of pages) for (const item of page.Items ?? []) ids.add(item.id as string);
  return ids;
}
