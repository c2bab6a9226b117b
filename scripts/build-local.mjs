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
  // in one bundle every module is the main one: the simulator's and the migration's own command-line entry
  // points (`if (require.main === module)`) must not run inside npm start
  define: { 'require.main': 'undefined' },
  logLevel: 'warning',
});
