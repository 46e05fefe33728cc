/**
 * A DPoP client for tests (RFC 9449 §4): a key pair and real proofs signed by jose, with every
 * field open to a test that wants it wrong.
 */
import { createHash, randomUUID } from 'node:crypto';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface DpopKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** RFC 7638 thumbprint of the public key. */
  jkt: string;
}

/** A fresh key pair for proofs (ES256 unless told otherwise). */
export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export interface ProofOptions {
  htm: string;
  htu: string;
  /** Seconds; default: the current (possibly frozen) time. */
  iat?: number;
  jti?: string;
  /** The access token the proof accompanies: sets `ath` to its hash. */
  accessToken?: string;
  /** Sets `ath` as given (overrides `accessToken`). */
  ath?: string;
  typ?: string | null;
  /** The JWK put in the header (default: the key's public JWK). */
  jwk?: JWK;
  /** Signs with this key instead (the header still carries `jwk`). */
  signWith?: CryptoKey;
  /** Claims added to (or replacing) the proof's. */
  claims?: Record<string, unknown>;
}

/** The `ath` of an access token: base64url(SHA-256(token)). */
export function athOf(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** A DPoP proof JWT signed with `key`. */
export async function dpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  const payload: Record<string, unknown> = { jti: options.jti ?? randomUUID(), htm: options.htm, htu: options.htu, iat: options.iat ?? Math.floor(Date.now() / 1000) };
  if (options.ath !== undefined) payload.ath = options.ath;
  else if (options.accessToken !== undefined) payload.ath = athOf(options.accessToken);
  Object.assign(payload, options.claims);
  const header: Record<string, unknown> = { alg: key.alg, jwk: options.jwk ?? key.publicJwk };
  if (options.typ !== null) header.typ = options.typ ?? 'dpop+jwt';
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(options.signWith ?? key.privateKey);
}

/** A compact JWS with any header and payload and a made-up signature (for `alg: none` and the like). */
export function unsignedProof(header: Record<string, unknown>, payload: Record<string, unknown>, signature = 'AAAA'): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${encode(header)}.${encode(payload)}.${signature}`;
}
