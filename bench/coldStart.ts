// Benchmark 5: cold start and size. Packages the service (`serverless package`, the bundles AWS would get),
// then for each function times a fresh Node process importing its bundle and handling one event, against
// a bare handler bundled the same way that imports only the same AWS SDK clients. Runs alternate so
// machine drift hits both sides. Targets: worker bundle under 500 KB, import under 1.5x the bare baseline.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { machine, percentile, printTable, round, writeResult } from './support';

const root = join(__dirname, '..');
const repetitions = Number(process.env.BENCH_COLD_REPETITIONS ?? 15);

/** One event per function that it handles without reaching AWS, so the figure is start-up plus handling. */
const sampleEvents: Record<string, unknown> = {
  http: { version: '2.0', routeKey: 'GET /health', rawPath: '/health', headers: {}, requestContext: { http: { method: 'GET', path: '/health' }, requestId: 'bench' }, isBase64Encoded: false },
  // an unparsable job: validated, logged and reported as a failed item, with no AWS call
  worker: { Records: [{ messageId: 'bench', body: 'not json', attributes: { SentTimestamp: String(Date.now()) } }] },
};

// The measured process: import the bundle, call the handler once, print both times.
const probe = `
const started = process.hrtime.bigint();
const mod = require(process.argv[1]);
const imported = process.hrtime.bigint();
Promise.resolve(mod.handler(JSON.parse(process.argv[2]), { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 })).then(() => {
  const handled = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ importMs: Number(imported - started) / 1e6, handledMs: Number(handled - started) / 1e6 }));
});`;

export async function coldStartBenchmark(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'dingpush-cold-'));
  try {
    const packaged = spawnSync(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'bench', '--package', join(work, 'package')], {
      cwd: root,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      encoding: 'utf8',
    });
    if (packaged.status !== 0) throw new Error(`serverless package failed:\n${packaged.stdout}\n${packaged.stderr}`);
    const bundles: { name: string; file: string; zipBytes: number; event: unknown }[] = [];
    for (const zip of readdirSync(join(work, 'package')).filter((file) => file.endsWith('.zip'))) {
      const name = zip.replace(/\.zip$/, '');
      const directory = join(work, 'functions', name);
      const unzipped = spawnSync('unzip', ['-q', '-o', join(work, 'package', zip), '-d', directory]);
      if (unzipped.status !== 0) throw new Error(`unzip ${zip} failed: ${unzipped.stderr}`);
      const handlerFile = join(directory, 'functions', `${name}.js`);
      bundles.push({ name, file: handlerFile, zipBytes: statSync(join(work, 'package', zip)).size, event: name === 'worker' ? sampleEvents.worker : sampleEvents.http });
    }

    // the baseline: a handler that imports only the SDK clients the service uses, bundled with the same settings
    const bareSource = join(work, 'bare.ts');
    writeFileSync(
      bareSource,
      `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\nimport { SQSClient } from '@aws-sdk/client-sqs';\n` +
        `const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));\nconst sqs = new SQSClient({ region: 'us-east-1' });\n` +
        `export const handler = async () => ({ statusCode: 200, body: String(Boolean(dynamodb && sqs)) });\n`,
    );
    const bareFile = join(work, 'bare.js');
    buildSync({ entryPoints: [bareSource], outfile: bareFile, bundle: true, platform: 'node', target: 'node22', external: ['@aws-sdk/*'], logLevel: 'silent' });

    // the SDK is not in the bundles (Lambda provides it): resolve it from this repository's node_modules
    const environment = { ...process.env, NODE_PATH: join(root, 'node_modules'), AWS_REGION: 'us-east-1', METRICS: 'off', LOG_LEVEL: 'error', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const measure = (file: string, event: unknown) => {
      const run = spawnSync(process.execPath, ['-e', probe, file, JSON.stringify(event)], { env: environment, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${file} failed:\n${run.stderr}`);
      return JSON.parse(run.stdout.trim().split('\n').pop() as string) as { importMs: number; handledMs: number };
    };
    const samples = new Map<string, { importMs: number[]; handledMs: number[] }>();
    const add = (name: string, sample: { importMs: number; handledMs: number }) => {
      const entry = samples.get(name) ?? samples.set(name, { importMs: [], handledMs: [] }).get(name)!;
      entry.importMs.push(sample.importMs);
      entry.handledMs.push(sample.handledMs);
    };
    for (let i = 0; i < repetitions; i++) {
      for (const bundle of bundles) {
        add('(bare SDK handler)', measure(bareFile, sampleEvents.http));
        add(bundle.name, measure(bundle.file, bundle.event));
      }
    }
    const bare = samples.get('(bare SDK handler)')!;
    const bareImport = percentile(bare.importMs, 50);
    const bareHandled = percentile(bare.handledMs, 50);
    const rows = [
      { function: '(bare SDK handler)', 'bundle KB': round(statSync(bareFile).size / 1024), 'zip KB': '-', 'import p50 ms': round(bareImport), 'import / bare': 1, 'import+event p50 ms': round(bareHandled), 'import+event / bare': 1 },
      ...bundles.map((bundle) => {
        const entry = samples.get(bundle.name)!;
        const importMs = percentile(entry.importMs, 50);
        const handledMs = percentile(entry.handledMs, 50);
        return {
          function: bundle.name,
          'bundle KB': round(statSync(bundle.file).size / 1024),
          'zip KB': round(bundle.zipBytes / 1024),
          'import p50 ms': round(importMs),
          'import / bare': round(importMs / bareImport, 2),
          'import+event p50 ms': round(handledMs),
          'import+event / bare': round(handledMs / bareHandled, 2),
        };
      }),
    ];
    printTable(`Cold start: fresh Node process per sample, ${repetitions} samples each, alternating with the bare baseline`, rows);
    console.log('targets: worker bundle < 500 KB; import / bare < 1.5');
    console.log(`wrote ${writeResult('cold-start', { machine: machine(), inputs: { repetitions }, rows })}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
