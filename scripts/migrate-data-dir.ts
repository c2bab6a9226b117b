// `npm run migrate:data-dir`: moves a DATA_DIR written by 0.1 (DynamoDB Local's file in DATA_DIR itself) to
// today's layout (dynamodb/ beside queue/). Run it once, with npm start stopped; a second run changes nothing.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';

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

if (require.main === module) {
  const dataDir = resolve(process.env.DATA_DIR ?? join(__dirname, '..', '.data'));
  console.log(
    migrateDataDir(dataDir) ? `moved DynamoDB Local's file into ${join(dataDir, 'dynamodb')}` : `${dataDir} is already in today's layout`,
  );
}
