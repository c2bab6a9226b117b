// `npm start`'s first step: bundles its launcher and the local worker into .local-build/ (esbuild; packages
// stay in node_modules), so both run on plain Node: no TypeScript loader process, and no esbuild service
// left running once this script has exited.
import { build } from 'esbuild';

await build({
  entryPoints: { 'start-local': 'scripts/start-local.ts', 'local-worker-main': 'scripts/local-worker-main.ts' },
  outdir: '.local-build',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  packages: 'external',
  keepNames: true,
  logLevel: 'warning',
});
