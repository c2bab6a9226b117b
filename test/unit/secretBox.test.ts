// Credentials sealed at rest with the local key file (AWS uses a KMS data key the same way).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSecretsKeyFile } from '../../scripts/local-stack';

process.env.SECRETS_KEY_FILE = ensureSecretsKeyFile(join(mkdtempSync(join(tmpdir(), 'dingpush-key-')), 'secrets.key'));
// loaded after the key file is set: the configuration is read at load
const { isSealed, open, seal } = require('../../lib/secrets/secretBox') as typeof import('../../lib/secrets/secretBox');

describe('secretBox', () => {
  const url = 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123';

  it('seals so that nothing of the value shows, and opens it again', async () => {
    const sealed = await seal(url);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('0123456789abcdef');
    expect(sealed).not.toContain('dingtalk');
    expect(await open(sealed)).toBe(url);
    // a fresh IV each time; sealing a sealed value leaves it as it is
    expect(await seal(url)).not.toBe(sealed);
    expect(await seal(sealed)).toBe(sealed);
  });

  it('refuses to open a value that was never sealed, without echoing it', async () => {
    await expect(open(url)).rejects.toThrow(/^A stored credential is not sealed; nothing was sent with it$/);
  });

  it('refuses a sealed value that was tampered with', async () => {
    const sealed = await seal('SECsigningsecret0123456789');
    // one bit of the ciphertext flipped, so the value always differs (a character swap may be a no-op)
    const cut = sealed.lastIndexOf(':') + 1;
    const data = Buffer.from(sealed.slice(cut), 'base64url');
    data[0] ^= 1;
    const tampered = sealed.slice(0, cut) + data.toString('base64url');
    expect(tampered).not.toBe(sealed);
    await expect(open(tampered)).rejects.toThrow();
  });
});
