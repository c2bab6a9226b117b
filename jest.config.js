// Three projects: unit (pure logic), integration (real DynamoDB Local, fauxqs and the DingTalk simulator,
// started once in globalSetup), e2e (the whole service through `npm start`).
const transform = {
  '^.+\\.[tj]s$': ['ts-jest', { diagnostics: true, tsconfig: { isolatedModules: false } }],
};
// middy is ESM-only; let ts-jest compile it to CommonJS (middy's testing docs)
const transformIgnorePatterns = ['node_modules/(?!(@middy)/)'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/unitEnvironment.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/perFileResources.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
  testTimeout: 60_000,
  // On 2 cores jest runs every file in its own process (in band): a handle a failed test leaves open (a server, a poller)
  // would keep it waiting forever after the last test, hiding the failure behind a CI timeout
  forceExit: true,
};
