// `npm run bench [name...]`: runs the benchmarks (all when none is named), each printing a table and
// writing bench/results/<name>.json. Not part of `npm test`.
import { coldStartBenchmark } from './coldStart';
import { costPerPushBenchmark } from './costPerPush';
import { fanOutBenchmark } from './fanOut';
import { loadBenchmark } from './load';
import { rateLimitBenchmark } from './rateLimit';
import { recordQueriesBenchmark } from './recordQueries';
import { throughputBenchmark } from './throughput';

// Lambda runs Node 22; the SDK's notice about Node 20 is noise here
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const benchmarks: Record<string, () => Promise<void>> = {
  'cost-per-push': costPerPushBenchmark,
  throughput: throughputBenchmark,
  'fan-out': fanOutBenchmark,
  'rate-limit': rateLimitBenchmark,
  'record-queries': recordQueriesBenchmark,
  'cold-start': coldStartBenchmark,
  load: loadBenchmark,
};

async function main() {
  const requested = process.argv.slice(2);
  const names = requested.length > 0 ? requested : Object.keys(benchmarks);
  for (const name of names) {
    const run = benchmarks[name];
    if (!run) throw new Error(`unknown benchmark ${name}; available: ${Object.keys(benchmarks).join(', ')}`);
    console.log(`\n=== ${name} ===`);
    await run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
