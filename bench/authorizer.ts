// Benchmark 9: what authorizing a request costs. The same authorize() the HTTP functions run, in this
// process against DynamoDB Local: an instance token (compared in memory: the baseline), a workspace token
// read from the table on every request (a container's first, or AUTH_CACHE_SECONDS=0 as under npm start),
// and a workspace token a container trusts for the minute it caches it (AWS). Latency p50/p99 and the
// DynamoDB requests each request made, counted at the client.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ensureLocalTable } from '../scripts/local-resources';
import { ensureSecretsKeyFile, startDynamoDbLocal } from '../scripts/local-stack';
import { instanceAdmin } from '../test/support/callers';
import { machine, percentile, printTable, round, timeIt, writeResult } from './support';

const requests = 3000;
const instanceToken = 'bench-instance-admin-token';

export async function authorizerBenchmark(): Promise<void> {
  const database = await startDynamoDbLocal();
  const tableName = 'dingpush-bench-authorizer';
  await ensureLocalTable({ dynamodbEndpoint: database.endpoint, tableName });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: database.endpoint,
    TABLE_NAME: tableName,
    ADMIN_TOKENS: instanceToken,
    AUTH_CACHE_SECONDS: '60',
    SECRETS_KEY_FILE: ensureSecretsKeyFile(join(tmpdir(), `dingpush-bench-${process.pid}`, 'secrets.key')),
    LOG_LEVEL: 'warn',
  });
  try {
    // loaded after the environment is set: the service reads its configuration at load
    const { authorize } = await import('../lib/auth/authorize');
    const { createToken } = await import('../lib/teams/tokenService');
    const { containerCaches } = await import('../lib/containerCache');
    const { dynamodb } = await import('../lib/aws/clients');
    const calls = { reads: 0, writes: 0 };
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^(Get|Query|BatchGet)/.test(String(context.commandName))) calls.reads += 1;
        else calls.writes += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const workspaceToken = await createToken(instanceAdmin(), { name: 'bench', role: 'viewer' });
    const credentials = (token: string) => ({ authorization: `Bearer ${token}`, requestId: 'bench' });
    const cases: { name: string; token: string; cached: boolean }[] = [
      { name: 'instance token (baseline)', token: instanceToken, cached: true },
      { name: 'workspace token, read every request', token: workspaceToken.token, cached: false },
      { name: 'workspace token, cached (AWS, 60 s)', token: workspaceToken.token, cached: true },
    ];
    const rows: Record<string, string | number>[] = [];
    const results: Record<string, { p50: number; p99: number; readsPerRequest: number; writesPerRequest: number }> = {};
    for (const { name, token, cached } of cases) {
      const run = () => {
        if (!cached) containerCaches.apiTokens.forget(workspaceToken.id);
        return authorize(credentials(token), 'viewer', 'GET /robots');
      };
      await timeIt(run, 200); // warm-up
      calls.reads = 0;
      calls.writes = 0;
      const samples = await timeIt(run, requests);
      const result = {
        p50: round(percentile(samples, 50), 3),
        p99: round(percentile(samples, 99), 3),
        readsPerRequest: round(calls.reads / requests, 3),
        writesPerRequest: round(calls.writes / requests, 4),
      };
      results[name] = result;
      rows.push({
        case: name,
        'p50 ms': result.p50,
        'p99 ms': result.p99,
        'reads/request': result.readsPerRequest,
        'writes/request': result.writesPerRequest,
      });
    }
    const baseline = results[cases[0].name];
    const cachedResult = results[cases[2].name];
    const uncached = results[cases[1].name];
    const ratios = { cachedP50: round(cachedResult.p50 / baseline.p50, 2), uncachedP50: round(uncached.p50 / baseline.p50, 2) };
    printTable(
      `authorizing ${requests} requests per case (ratios against the instance token: cached ${ratios.cachedP50}x, uncached ${ratios.uncachedP50}x at p50)`,
      rows,
    );
    // a cached workspace token costs what an instance token does; uncached it is one read, never a write per request
    const met =
      ratios.cachedP50 <= 1.5 &&
      cachedResult.readsPerRequest <= 0.01 &&
      uncached.readsPerRequest <= 1.01 &&
      uncached.writesPerRequest <= 0.001;
    console.log(
      `target: cached ≤ 1.5x the instance token's p50 with no reads; uncached one read and no write per request: ${met ? 'met' : 'NOT met'}`,
    );
    writeResult('authorizer', { machine: machine(), requests, results, ratios, met });
    if (!met) process.exitCode = 1;
  } finally {
    await database.stop();
  }
}
