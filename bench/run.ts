// `npm run bench [name...]`: runs the benchmarks (all when none is named), each printing a table and
// writing bench/results/<name>.json. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { appRobotBenchmark } from './appRobot';
import { authorizerBenchmark } from './authorizer';
import { busyGroupsBenchmark } from './busyGroups';
import { coldStartBenchmark } from './coldStart';
import { costPerPushBenchmark } from './costPerPush';
import { fanOutBenchmark } from './fanOut';
import { loadBenchmark } from './load';
import { partitionHeatBenchmark } from './partitionHeat';
import { rateLimitBenchmark } from './rateLimit';
import { recordQueriesBenchmark } from './recordQueries';
import { startMemoryBenchmark } from './startMemory';
import { timeToGroupBenchmark } from './timeToGroup';

// Lambda runs Node 22; the SDK's notice about Node 20 is noise here
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const benchmarks: Record<string, () => Promise<void>> = {
  'cost-per-push': costPerPushBenchmark,
  // benchmarks 1 and 3 of bench/README.md come from the same run: it writes time-to-group.json and cpu-per-push.json
  'time-to-group': timeToGroupBenchmark,
  'fan-out': fanOutBenchmark,
  'rate-limit': rateLimitBenchmark,
  'busy-groups': busyGroupsBenchmark,
  'record-queries': recordQueriesBenchmark,
  'partition-heat': partitionHeatBenchmark,
  'cold-start': coldStartBenchmark,
  load: loadBenchmark,
  'start-memory': startMemoryBenchmark,
  authorizer: authorizerBenchmark,
  'app-robot': appRobotBenchmark,
};

async function main() {
  const requested = process.argv.slice(2);
  const names = requested.length > 0 ? requested : Object.keys(benchmarks);
  const unknown = names.filter((name) => !benchmarks[name]);
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(benchmarks).join(', ')}`);
  if (names.length === 1) {
    console.log(`\n=== ${names[0]} ===`);
    await benchmarks[names[0]]();
    return;
  }
  // one process per benchmark: the service reads its configuration (endpoints, table) once at load
  for (const name of names) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, name], { stdio: 'inherit' });
    if (run.status !== 0) process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
