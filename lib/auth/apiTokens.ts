// Managed API tokens: `dp_` + a 12-character id + 43 random characters (256 bits) + a 6-character CRC-32
// checksum, all base62. The id finds the stored item (one read); the checksum lets a secret scanner (and
// this service, before any read) tell a real token from a typo; only the SHA-256 digest is stored.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const idLength = 12;
const secretLength = 43;
const checksumLength = 6;
/** What secret scanners match (docs/teams.md). */
export const apiTokenPattern = /^dp_([0-9A-Za-z]{12})([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;
/** What lists show of a token: enough to tell tokens apart, nothing to use. */
export const prefixLength = 11;

const randomBase62 = (length: number) => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksumOf(body: string): string {
  let value = crc32(body);
  let text = '';
  for (let i = 0; i < checksumLength; i++) {
    text = alphabet[value % 62] + text;
    value = Math.floor(value / 62);
  }
  return text;
}

export const newTokenId = () => randomBase62(idLength);

/** A new token for the id: answered once, then only its digest is kept. */
export function newApiToken(id: string): string {
  const body = `dp_${id}${randomBase62(secretLength)}`;
  return body + checksumOf(body);
}

/** The id of a well-formed token whose checksum holds; undefined for anything else. */
export function apiTokenId(token: string): string | undefined {
  const match = apiTokenPattern.exec(token);
  if (!match) return undefined;
  return checksumOf(token.slice(0, -checksumLength)) === match[3] ? match[1] : undefined;
}

export const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64');

export function digestMatches(token: string, storedDigest: string): boolean {
  const stored = Buffer.from(storedDigest, 'base64');
  const candidate = Buffer.from(digestOf(token), 'base64');
  return stored.length === candidate.length && timingSafeEqual(stored, candidate);
}
