// Benchmark 5: cold start and size. Packages the service (`serverless package`, the bundles AWS would get),
// then for each function times a fresh Node process importing its bundle and handling one event, against
// a bare handler bundled the same way that imports only the AWS SDK packages that function's bundle uses. Runs alternate so
// machine drift hits both sides. Targets: worker bundle under 500 KB, import under 1.5x the bare baseline.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { loadServerlessYml } from '../scripts/local-resources';
import { machine, percentile, printTable, round, writeResult } from './support';

const root = join(__dirname, '..');
const repetitions = Number(process.env.BENCH_COLD_REPETITIONS ?? 15);

/** One event per function that it handles without reaching AWS, so the figure is start-up plus handling. */
const sampleEvents: Record<string, unknown> = {
  // an authorizer's request without a token: refused without reaching SSM
  authorizer: { version: '2.0', type: 'REQUEST', routeKey: 'GET /robots', headers: {}, identitySource: [] },
  http: {
    version: '2.0',
    routeKey: 'GET /health',
    rawPath: '/health',
    headers: {},
    requestContext: { http: { method: 'GET', path: '/health' }, requestId: 'bench' },
    isBase64Encoded: false,
  },
  // an unparsable job: validated, logged and reported as a failed item, with no AWS call
  worker: { Records: [{ messageId: 'bench', body: 'not json', attributes: { SentTimestamp: String(Date.now()) } }] },
};

// The measured process: import the bundle, call the handler once, print both times.
const probe = `
const started = process.hrtime.bigint();
const mod = require(process.argv[1]);
const handler = mod[process.argv[3]];
const imported = process.hrtime.bigint();
const event = JSON.parse(process.argv[2]);
// null: a function whose every event reaches AWS (the sweeper): its import alone is measured
Promise.resolve(event === null ? undefined : handler(event, { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 })).then(() => {
  const handled = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ importMs: Number(imported - started) / 1e6, handledMs: Number(handled - started) / 1e6 }));
});`;

export async function coldStartBenchmark(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'dingpush-cold-'));
  try {
    const packaged = spawnSync(
      process.execPath,
      [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'bench', '--package', join(work, 'package')],
      {
        cwd: root,
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
        encoding: 'utf8',
      },
    );
    if (packaged.status !== 0) throw new Error(`serverless package failed:\n${packaged.stdout}\n${packaged.stderr}`);
    const bundles: { name: string; file: string; exportName: string; zipBytes: number; event: unknown }[] = [];
    // each function's module and export, from serverless.yml (the authorizers share one module)
    const handlers = loadServerlessYml<{ functions: Record<string, { handler: string }> }>().functions;
    for (const zip of readdirSync(join(work, 'package')).filter((file) => file.endsWith('.zip'))) {
      const name = zip.replace(/\.zip$/, '');
      const directory = join(work, 'functions', name);
      mkdirSync(directory, { recursive: true });
      const unzipped = spawnSync('unzip', ['-q', '-o', join(work, 'package', zip), '-d', directory]);
      if (unzipped.status !== 0) throw new Error(`unzip ${zip} failed: ${unzipped.stderr}`);
      const handler = handlers[name].handler;
      const handlerFile = join(directory, `${handler.slice(0, handler.lastIndexOf('.'))}.js`);
      const event =
        name === 'worker'
          ? sampleEvents.worker
          : name === 'sweeper'
            ? null
            : name.startsWith('authorize')
              ? sampleEvents.authorizer
              : sampleEvents.http;
      bundles.push({
        name,
        file: handlerFile,
        exportName: handler.slice(handler.lastIndexOf('.') + 1),
        zipBytes: statSync(join(work, 'package', zip)).size,
        event,
      });
    }

    // the baseline of each function: a handler that imports only the AWS SDK packages its bundle requires
    // (Lambda provides the SDK, so the bundles leave it out), bundled with the same settings
    const bareFiles = new Map<string, string>();
    const bareFor = (bundleFile: string): { key: string; file: string } => {
      const packages = [
        ...new Set([...readFileSync(bundleFile, 'utf8').matchAll(/require\("(@aws-sdk\/[\w-]+)"\)/g)].map((match) => match[1])),
      ].sort();
      const key = packages.map((name) => name.replace('@aws-sdk/', '')).join('+') || 'none';
      if (!bareFiles.has(key)) {
        const source = join(work, `bare-${bareFiles.size}.ts`);
        writeFileSync(
          source,
          packages.map((name, i) => `import * as sdk${i} from '${name}';`).join('\n') +
            `\nexport const handler = async () => ({ statusCode: 200, body: String(${packages.map((_, i) => `Object.keys(sdk${i}).length`).join(' + ') || 0}) });\n`,
        );
        const file = join(work, `bare-${bareFiles.size}.js`);
        buildSync({
          entryPoints: [source],
          outfile: file,
          bundle: true,
          platform: 'node',
          target: 'node22',
          external: ['@aws-sdk/*'],
          logLevel: 'silent',
        });
        bareFiles.set(key, file);
      }
      return { key, file: bareFiles.get(key)! };
    };

    // the SDK is not in the bundles (Lambda provides it): resolve it from this repository's node_modules
    const environment = {
      ...process.env,
      NODE_PATH: join(root, 'node_modules'),
      AWS_REGION: 'us-east-1',
      METRICS: 'off',
      LOG_LEVEL: 'error',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const measure = (file: string, event: unknown, exportName = 'handler') => {
      const run = spawnSync(process.execPath, ['-e', probe, file, JSON.stringify(event), exportName], {
        env: environment,
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`${file} failed:\n${run.stderr}`);
      return JSON.parse(run.stdout.trim().split('\n').pop() as string) as { importMs: number; handledMs: number };
    };
    const samples = new Map<string, { importMs: number[]; handledMs: number[] }>();
    const add = (name: string, sample: { importMs: number; handledMs: number }) => {
      const entry = samples.get(name) ?? samples.set(name, { importMs: [], handledMs: [] }).get(name)!;
      entry.importMs.push(sample.importMs);
      entry.handledMs.push(sample.handledMs);
    };
    const baselines = new Map(bundles.map((bundle) => [bundle.name, bareFor(bundle.file)]));
    for (let i = 0; i < repetitions; i++) {
      for (const bundle of bundles) {
        const bare = baselines.get(bundle.name)!;
        add(`bare:${bundle.name}`, measure(bare.file, sampleEvents.http));
        add(bundle.name, measure(bundle.file, bundle.event, bundle.exportName));
      }
    }
    const p50 = (values: number[]) => percentile(values, 50);
    const rows = bundles.map((bundle) => {
      const entry = samples.get(bundle.name)!;
      const bare = samples.get(`bare:${bundle.name}`)!;
      return {
        function: bundle.event === null ? `${bundle.name} (import only)` : bundle.name,
        'bundle KB': round(statSync(bundle.file).size / 1024),
        'zip KB': round(bundle.zipBytes / 1024),
        'SDK packages': baselines.get(bundle.name)!.key,
        'import p50 ms': round(p50(entry.importMs)),
        'bare import ms': round(p50(bare.importMs)),
        'import / bare': round(p50(entry.importMs) / p50(bare.importMs), 2),
        'import+event p50 ms': round(p50(entry.handledMs)),
        'import+event / bare': round(p50(entry.handledMs) / p50(bare.handledMs), 2),
      };
    });
    printTable(
      `Cold start: a fresh Node process per sample, ${repetitions} samples each, alternating with a bare handler importing the same SDK packages`,
      rows,
    );
    console.log('targets: worker bundle < 500 KB; import / bare < 1.5');
    console.log(`wrote ${writeResult('cold-start', { machine: machine(), inputs: { repetitions }, rows })}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
