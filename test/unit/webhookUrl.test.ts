import { normalizeWebhookUrl } from '../../lib/robots/webhookUrl';
import { maskWebhookUrl, redactSecrets } from '../../lib/redact';

const allowed = ['https://oapi.dingtalk.com', 'http://127.0.0.1:4999'];

describe('webhook URL policy', () => {
  it('accepts DingTalk robot URLs and drops everything but the access token', () => {
    expect(normalizeWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1&sign=x', allowed)).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abc123',
    );
    expect(normalizeWebhookUrl('http://127.0.0.1:4999/robot/send?access_token=abc', allowed)).toBe(
      'http://127.0.0.1:4999/robot/send?access_token=abc',
    );
  });

  it.each([
    ['http on the DingTalk host', 'http://oapi.dingtalk.com/robot/send?access_token=a'],
    ['another port on an allowed host', 'https://oapi.dingtalk.com:8443/robot/send?access_token=a'],
    ['IPv6 loopback', 'http://[::1]:4999/robot/send?access_token=a'],
    ['private address', 'http://10.0.0.1/robot/send?access_token=a'],
    ['metadata', 'http://169.254.169.254/robot/send?access_token=a'],
    ['decimal-encoded address (127.0.0.2)', 'http://2130706434:4999/robot/send?access_token=a'],
    ['hex-encoded metadata address', 'http://0xA9FEA9FE/robot/send?access_token=a'],
    ['userinfo', 'https://oapi.dingtalk.com@evil.example/robot/send?access_token=a'],
    ['suffix trick', 'https://oapi.dingtalk.com.evil.example/robot/send?access_token=a'],
    ['path traversal', 'https://oapi.dingtalk.com/robot/../admin?access_token=a'],
    ['token with odd characters', 'https://oapi.dingtalk.com/robot/send?access_token=a%0Ab'],
    ['fragment', 'https://oapi.dingtalk.com/robot/send?access_token=a#x'],
  ])('refuses %s', (_label, url) => {
    expect(() => normalizeWebhookUrl(url, allowed)).toThrow(expect.objectContaining({ code: 'ValidationFailed' }));
  });
});

describe('secret masking', () => {
  it('masks the access token in webhook URLs', () => {
    expect(maskWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789')).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abcd****',
    );
    expect(maskWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=short')).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=****',
    );
  });

  it('redacts tokens, signatures and SEC secrets from any text', () => {
    const text =
      'POST https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789&timestamp=1&sign=abc%2Bdef secret SECabcdef123456 {"access_token":"zzzzyyyyxxxx"}';
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain('abcdef0123456789');
    expect(redacted).not.toContain('abc%2Bdef');
    expect(redacted).not.toContain('SECabcdef123456');
    expect(redacted).not.toContain('zzzzyyyyxxxx');
    expect(redacted).toContain('access_token=abcd****');
  });
});
