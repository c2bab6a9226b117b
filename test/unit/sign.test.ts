import { createHmac } from 'node:crypto';
import { signature, signedWebhookUrl } from '../../lib/channels/dingtalk';

describe('DingTalk signing', () => {
  const secret = 'SECd4a1b2c3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';

  it('is base64(HmacSHA256(secret, timestamp + "\\n" + secret))', () => {
    const expected = createHmac('sha256', secret).update(`1700000000000\n${secret}`).digest('base64');
    expect(signature(secret, 1700000000000)).toBe(expected);
  });

  it('puts timestamp and a once-encoded sign on the URL, never in the body', () => {
    const url = new URL(signedWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', secret, 1700000000000));
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe('1700000000000');
    // searchParams decodes once: what we get back must be the raw base64 signature
    expect(url.searchParams.get('sign')).toBe(signature(secret, 1700000000000));
    expect(url.search).not.toMatch(/%25/); // no double encoding
  });

  it('leaves the URL alone without a secret', () => {
    expect(signedWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', undefined, 1)).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abc',
    );
  });

  it('gives different signatures for different timestamps', () => {
    expect(signature(secret, 1)).not.toBe(signature(secret, 2));
  });
});
