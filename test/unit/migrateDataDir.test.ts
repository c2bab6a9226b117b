import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasOldLayout, migrateDataDir } from '../../scripts/migrate-data-dir';

describe('npm run migrate:data-dir', () => {
  it("moves a 0.1 DATA_DIR's database into dynamodb/ once, and leaves today's layout alone", () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dingpush-migrate-'));
    try {
      writeFileSync(join(dataDir, 'shared-local-instance.db'), 'robots and records');
      expect(hasOldLayout(dataDir)).toBe(true);
      expect(migrateDataDir(dataDir)).toBe(true);
      expect(hasOldLayout(dataDir)).toBe(false);
      expect(readFileSync(join(dataDir, 'dynamodb', 'shared-local-instance.db'), 'utf8')).toBe('robots and records');
      expect(migrateDataDir(dataDir)).toBe(false);
      // both places: it refuses rather than choose which data to drop
      writeFileSync(join(dataDir, 'shared-local-instance.db'), 'other');
      expect(() => migrateDataDir(dataDir)).toThrow(/in both places/);
      expect(existsSync(join(dataDir, 'shared-local-instance.db'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
