import { apiTokenId, apiTokenPattern, digestMatches, digestOf, newApiToken, newTokenId, prefixLength } from '../../lib/auth/apiTokens';

describe('API tokens', () => {
  it('are dp_, an id, 256 random bits and a checksum, all base62; the id comes back out', () => {
    const id = newTokenId();
    const token = newApiToken(id);
    expect(token).toMatch(apiTokenPattern);
    expect(token).toHaveLength(64);
    expect(token.slice(3, 15)).toBe(id);
    expect(apiTokenId(token)).toBe(id);
    expect(token.slice(0, prefixLength)).toBe(`dp_${id.slice(0, 8)}`);
  });

  it('are all different (10,000 made)', () => {
    const made = new Set(Array.from({ length: 10_000 }, () => newApiToken(newTokenId())));
    expect(made.size).toBe(10_000);
  });

  it('refuse any single mistyped character by the checksum', () => {
    const token = newApiToken(newTokenId());
    for (let position = 3; position < token.length; position++) {
      const replacement = token[position] === 'x' ? 'y' : 'x';
      expect(apiTokenId(token.slice(0, position) + replacement + token.slice(position + 1))).toBeUndefined();
    }
    expect(apiTokenId(token.slice(0, -1))).toBeUndefined();
    expect(apiTokenId(`xx${token.slice(2)}`)).toBeUndefined();
  });

  it('match their stored digest only', () => {
    const token = newApiToken(newTokenId());
    expect(digestMatches(token, digestOf(token))).toBe(true);
    expect(digestMatches(newApiToken(newTokenId()), digestOf(token))).toBe(false);
    expect(digestOf(token)).not.toContain(token.slice(15));
  });
});
