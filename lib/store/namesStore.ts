// Every name a robot or template has had: a keyword finds records pushed under an old name and under
// the current one. One small partition per kind, read with a filter (names, not records).
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../aws/clients';
import { tableName } from './table';

export async function idsWithNameContaining(kind: 'robot' | 'template', keyword: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'contains(nameLower, :keyword)',
        ExpressionAttributeValues: { ':pk': `NAMES#${kind}`, ':keyword': keyword.toLowerCase() },
        ProjectionExpression: 'id',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) ids.add(item.id as string);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}
