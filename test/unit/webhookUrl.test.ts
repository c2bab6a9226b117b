import { normalizeWebhookUrl } from '../../lib/robots/webhookUrl';
import { maskWebhookUrl, redactSecrets } from '../../lib/redact';

const allowed = ['https://oapi.dingtalk.com', 'http://127.0.0.1:4999'];

describe('webhook URL policy', () => {
  it('accepts DingTalk robot URLs and drops everything but the access token', () => {
    expect(normalizeWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1&sign=x', 'dingtalk', allowed)).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abc123',
    );
    expect(normalizeWebhookUrl('http://127.0.0.1:4999/robot/send?access_token=abc', 'dingtalk', allowed)).toBe(
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
    expect(() => normalizeWebhookUrl(url, 'dingtalk', allowed)).toThrow(expect.objectContaining({ code: 'ValidationFailed' }));
  });
});

describe('WeCom and Feishu webhook URLs', () => {
  // each channel's default origins (the integration tests' setup, in the same process, sets others)
  const origins = {
    dingtalk: ['https://oapi.dingtalk.com'],
    wecom: ['https://qyapi.weixin.qq.com'],
    feishu: ['https://open.feishu.cn', 'https://open.larksuite.com'],
  };
  it('keeps only the WeCom key and the Feishu hook token', () => {
    expect(normalizeWebhookUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx&debug=1', 'wecom', origins.wecom)).toBe(
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx',
    );
    expect(normalizeWebhookUrl('https://open.feishu.cn/open-apis/bot/v2/hook/2f7a9c3e-aaaa', 'feishu', origins.feishu)).toBe(
      'https://open.feishu.cn/open-apis/bot/v2/hook/2f7a9c3e-aaaa',
    );
    expect(normalizeWebhookUrl('https://open.larksuite.com/open-apis/bot/v2/hook/abc', 'feishu', origins.feishu)).toBe(
      'https://open.larksuite.com/open-apis/bot/v2/hook/abc',
    );
  });

  it.each([
    ['a DingTalk URL for a WeCom robot', 'wecom', 'https://oapi.dingtalk.com/robot/send?access_token=a', /allowed WeCom origin/],
    ['a WeCom URL without its key', 'wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send', /exactly one key/],
    ['two keys', 'wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a&key=b', /exactly one key/],
    ['another WeCom path', 'wecom', 'https://qyapi.weixin.qq.com/cgi-bin/message/send?key=a', /\/cgi-bin\/webhook\/send/],
    ['a WeCom URL for a Feishu robot', 'feishu', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a', /allowed Feishu origin/],
    [
      'a Feishu hook with a deeper path',
      'feishu',
      'https://open.feishu.cn/open-apis/bot/v2/hook/a/b',
      /\/open-apis\/bot\/v2\/hook\/<token>/,
    ],
    ['a Feishu hook with a query', 'feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/a?x=1', /query string/],
  ] as const)('refuses %s', (_label, channel, url, why) => {
    expect(() => normalizeWebhookUrl(url, channel, origins[channel])).toThrow(why);
  });
});

describe('secret masking', () => {
  it('masks WeCom keys and Feishu hook tokens', () => {
    expect(maskWebhookUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7b2c-4e11')).toBe(
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a****',
    );
    expect(maskWebhookUrl('https://open.feishu.cn/open-apis/bot/v2/hook/2f7a9c3e-aaaa-bbbb')).toBe(
      'https://open.feishu.cn/open-apis/bot/v2/hook/2f7a****',
    );
    const redacted = redactSecrets(
      'POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7b2c-4e11 and /open-apis/bot/v2/hook/2f7a9c3e-aaaa-bbbb',
    );
    expect(redacted).not.toContain('693a91f6-7b2c');
    expect(redacted).not.toContain('2f7a9c3e-aaaa');
  });

  it("masks dingpush's own API tokens, keeping the prefix lists show", () => {
    const { newApiToken } = require('../../lib/auth/apiTokens') as typeof import('../../lib/auth/apiTokens');
    const token = newApiToken('abcdefghijkl');
    const redacted = redactSecrets(`refused Bearer ${token} at once`);
    expect(redacted).toBe(`refused Bearer ${token.slice(0, 11)}**** at once`);
  });

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
