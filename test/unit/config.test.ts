// The retry window's setting: a duration an operator can write, refused at load with the variable's name.
import type { Config } from '../../lib/config';

function configWith(environment: Record<string, string>): Config {
  const saved = { ...process.env };
  // under `npm test` the integration tests' settings are in this process's environment too
  delete process.env.PUSH_RETRY_WINDOW;
  Object.assign(process.env, environment);
  try {
    let loaded: Config | undefined;
    jest.isolateModules(() => {
      loaded = (require('../../lib/config') as typeof import('../../lib/config')).config;
    });
    return loaded as Config;
  } finally {
    for (const name of [...Object.keys(environment), 'PUSH_RETRY_WINDOW']) if (saved[name] === undefined) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe('PUSH_RETRY_WINDOW', () => {
  it('defaults to 24 hours and reads hours, minutes, seconds and bare seconds', () => {
    expect(configWith({}).retryWindowMs).toBe(24 * 3_600_000);
    expect(configWith({ PUSH_RETRY_WINDOW: '36h' }).retryWindowMs).toBe(36 * 3_600_000);
    expect(configWith({ PUSH_RETRY_WINDOW: '90m' }).retryWindowMs).toBe(90 * 60_000);
    expect(configWith({ PUSH_RETRY_WINDOW: '45s' }).retryWindowMs).toBe(45_000);
    expect(configWith({ PUSH_RETRY_WINDOW: '600' }).retryWindowMs).toBe(600_000);
  });

  it('refuses what it cannot read or what the queue would not keep, naming the variable', () => {
    for (const value of ['a day', '24 hours', '-1h', '0', '8d', '200h']) {
      expect(() => configWith({ PUSH_RETRY_WINDOW: value })).toThrow(/PUSH_RETRY_WINDOW must be a duration like 24h/);
    }
  });
});
