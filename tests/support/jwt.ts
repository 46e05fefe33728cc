/** Hand-made JWS compact tokens, for attacks jose's SignJWT refuses to build. */
import { createHmac } from 'node:crypto';

export const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

export const decodeSegment = (segment: string): unknown => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

/**
 * Signs `<header>.<payload>` with HMAC over the exact segment text. Header and payload are
 * objects (serialised with JSON.stringify) or raw JSON text (for duplicate keys and the like).
 */
export function forgeToken(header: object | string, payload: unknown, secret: string, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  const h = b64url(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64url(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return `${h}.${p}.${hmac(`${h}.${p}`, secret, hash)}`;
}

/** Signs already-encoded segments as they are (for non-canonical encodings). */
export function signSegments(header: string, payload: string, secret: string): string {
  return `${header}.${payload}.${hmac(`${header}.${payload}`, secret, 'sha256')}`;
}

function hmac(input: string, secret: string, hash: string): string {
  return createHmac(hash, secret).update(input).digest('base64url');
}

/**
 * A base64url string with the same bytes but a different final character: the unused low bits
 * of the last character are set. Only valid when the decoded length is not a multiple of 3.
 */
export function nonCanonical(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment.slice(-1));
  const unusedBits = segment.length % 4 === 2 ? 0b1111 : 0b11;
  const replaced = alphabet[last | unusedBits];
  if (replaced === undefined || replaced === segment.slice(-1)) throw new TypeError('segment has no unused bits to set');
  return segment.slice(0, -1) + replaced;
}
