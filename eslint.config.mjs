// The linter `.ci/run` runs before the tests: ESLint's and typescript-eslint's recommended rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.esbuild/**', '.local-build/**', '.serverless/**', 'coverage/**', '*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // one job a module, short enough to read at once (docs/contributing.md, "Layout")
    files: ['lib/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  { files: ['lib/delivery/**/*.ts'], rules: { 'max-lines': ['error', { max: 300 }] } },
  // the plain-JavaScript launchers in scripts/ run on Node; the .cjs one is loaded by the framework with require()
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['scripts/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // the console's script runs in the browser, as a classic script
  { files: ['console/**/*.js'], languageOptions: { sourceType: 'script', globals: globals.browser } },
  {
    rules: {
      // a leading underscore marks what is left out on purpose (`const { secret: _secret, ...view } = robot`)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // tests, benchmarks and the local scripts load service modules late with require(), after setting the
    // environment those modules read at load (each test file gets its own table and queues)
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // JSON answers of the API under test, and serverless.yml's CloudFormation read as plain data
    files: ['test/**/*.ts', 'scripts/local-resources.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
