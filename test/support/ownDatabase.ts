// A test file's own DynamoDB Local, kept on disk, for tests that stop and start it: stopping it disturbs no
// other file. Call at the top of the file; the service modules load lazily, after the endpoint is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalTable } from '../../scripts/local-resources';
import { freePort, startDynamoDbLocal } from '../../scripts/local-stack';

export function useOwnDynamoDb(name: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `dingpush-${name}-`));
  let port: number;
  let database: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
  beforeAll(async () => {
    port = await freePort();
    database = await startDynamoDbLocal({ port, dataDir });
    process.env.DYNAMODB_ENDPOINT = database.endpoint;
    await ensureLocalTable({ dynamodbEndpoint: database.endpoint, tableName: process.env.TABLE_NAME as string });
  }, 60_000);
  afterAll(async () => {
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    stop: async () => {
      await database?.stop();
      database = undefined;
    },
    /** Again on the same port and files: what was written before is there. */
    start: async () => {
      database = await startDynamoDbLocal({ port, dataDir });
    },
  };
}
