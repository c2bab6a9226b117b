// `npm run migrate:data-dir`: brings a DATA_DIR written by an earlier dingpush to today's: 0.1's layout
// (DynamoDB Local's file in DATA_DIR itself) moves to dynamodb/ beside queue/, then the table's items get
// today's shapes (scripts/migrate-table.ts). Run it with npm start stopped; a second run changes nothing.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startDynamoDbLocal } from './local-stack';
import { describeReport, migrateTable, type MigrationReport } from './migrate-table';

const oldDatabaseFile = 'shared-local-instance.db';

export const hasOldLayout = (dataDir: string) => existsSync(join(dataDir, oldDatabaseFile));

/** Moves the database file into dynamodb/; false when there was nothing to move. */
export function migrateDataDir(dataDir: string): boolean {
  if (!hasOldLayout(dataDir)) return false;
  const target = join(dataDir, 'dynamodb');
  if (existsSync(join(target, oldDatabaseFile)))
    throw new Error(`${dataDir} holds DynamoDB Local's file in both places; keep the one you want in ${target} and remove the other`);
  mkdirSync(target, { recursive: true });
  renameSync(join(dataDir, oldDatabaseFile), join(target, oldDatabaseFile));
  return true;
}

/** npm start's table (scripts/start-local.ts), in DATA_DIR's DynamoDB Local, migrated. */
export async function migrateDataDirTable(dataDir: string): Promise<MigrationReport | undefined> {
  const databaseDir = join(dataDir, 'dynamodb');
  if (!existsSync(join(databaseDir, oldDatabaseFile))) return undefined;
  const dynamodb = await startDynamoDbLocal({ dataDir: databaseDir });
  try {
    return await migrateTable({ tableName: 'dingpush-dev', region: 'us-east-1', endpoint: dynamodb.endpoint });
  } finally {
    await dynamodb.stop();
  }
}

if (require.main === module) {
  const dataDir = resolve(process.env.DATA_DIR ?? join(__dirname, '..', '.data'));
  console.log(
    migrateDataDir(dataDir) ? `moved DynamoDB Local's file into ${join(dataDir, 'dynamodb')}` : `${dataDir} is already in today's layout`,
  );
  migrateDataDirTable(dataDir).then(
    (report) => console.log(report ? `its table: ${describeReport(report)}` : `${dataDir} holds no table yet`),
    (error: unknown) => {
      console.error(`migrating the table in ${dataDir} failed: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
