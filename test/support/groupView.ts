// What a group saw against what the records say. No chat webhook has an idempotency key, so a push may be
// shown more than once, but only after an attempt its record counts as uncertain.
export interface RecordSeen {
  id: string;
  status: string;
  uncertain?: number;
}

export interface GroupComparison {
  /** Records with no message in the group. */
  missing: string[];
  /** Records shown more than once. */
  duplicated: string[];
  /** Copies beyond the first, over all records. */
  extraCopies: number;
  /** Records shown more often than one plus their uncertain attempts: a duplicate nothing owned up to. */
  unexplained: string[];
}

export function compareWithRecords<Record extends RecordSeen>(records: Record[], copiesOf: (record: Record) => number): GroupComparison {
  const copies = new Map(records.map((record) => [record.id, copiesOf(record)]));
  const duplicated = records.filter((record) => copies.get(record.id)! > 1);
  return {
    missing: records.filter((record) => copies.get(record.id) === 0).map((record) => record.id),
    duplicated: duplicated.map((record) => record.id),
    extraCopies: duplicated.reduce((sum, record) => sum + copies.get(record.id)! - 1, 0),
    unexplained: records.filter((record) => copies.get(record.id)! - 1 > (record.uncertain ?? 0)).map((record) => record.id),
  };
}
