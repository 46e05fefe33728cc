/**
 * DPoP proof checks (RFC 9449 §4.3), with real proofs signed by jose and a frozen `now`: every
 * refusal has its own reason, and each test changes one thing of a proof that is otherwise good.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '@/db/sqlite/store';
import type { Store } from '@/db/store';
import { accessTokenKeys, createAccessTokenVerifier } from '@/lib/auth/access-token';
import { signAccessClaims, signAccessToken } from '@/lib/auth/sign-access-token';
import { accessTokenHash, checkDpopProof, dpopHeader, dpopRequestUrl, DPOP_PROOF_WINDOW_S, MAX_DPOP_PROOF_LENGTH, spendDpopProof, type DpopExpectation } from '@/lib/auth/dpop';
import { athOf, dpopKey, dpopProof, unsignedProof, type DpopKey, type ProofOptions } from '../support/dpop';
import { ACCESS_SECRET, MINUTE, SECOND, T0 } from '../support/env';

const ORIGIN = 'http://localhost:3000';
const URL_ME = `${ORIGIN}/api/auth/me`;
const NOW_S = T0 / 1000;
const ACCESS_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

let key: DpopKey;
let other: DpopKey;

beforeAll(async () => {
  key = await dpopKey('ES256');
  other = await dpopKey('ES256');
});

const expectation: DpopExpectation = { method: 'GET', url: URL_ME, accessToken: ACCESS_TOKEN };

/** A proof for GET /api/auth/me with the access token, at T0, changed by `overrides`. */
function proof(overrides: Partial<ProofOptions> = {}, signer: DpopKey = key): Promise<string> {
  return dpopProof(signer, { htm: 'GET', htu: URL_ME, iat: NOW_S, accessToken: ACCESS_TOKEN, ...overrides });
}

async function check(value: string | null, expected: DpopExpectation = expectation, now = T0) {
  const headers = new Headers();
  if (value !== null) headers.set('dpop', value);
  return checkDpopProof(dpopHeader(headers), expected, now);
}

async function reasonOf(value: string, expected: DpopExpectation = expectation, now = T0): Promise<string> {
  const result = await check(value, expected, now);
  return result.ok ? 'ok' : result.reason;
}

describe('a good proof', () => {
  it.each(['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'])('%s: accepted, with the RFC 7638 thumbprint of its key', async (alg) => {
    const signer = await dpopKey(alg);
    const result = await check(await proof({}, signer));
    expect(result).toStrictEqual({ ok: true, proof: { jkt: signer.jkt, jti: expect.any(String), iat: NOW_S } });
  });

  it('htu ignores query and fragment, and compares normalised URLs (scheme and host case, default port, dot segments)', async () => {
    for (const htu of [`${URL_ME}?a=1`, `${URL_ME}#frag`, 'HTTP://LOCALHOST:3000/api/auth/me', 'http://localhost:3000/api/x/../auth/me']) {
      expect(await reasonOf(await proof({ htu })), htu).toBe('ok');
    }
    expect(await reasonOf(await proof({ htu: 'https://example.com:443/api/auth/me' }), { ...expectation, url: 'https://example.com/api/auth/me' })).toBe('ok');
  });

  it('iat may lie up to the window away either way', async () => {
    expect(await reasonOf(await proof({ iat: NOW_S - DPOP_PROOF_WINDOW_S }))).toBe('ok');
    expect(await reasonOf(await proof({ iat: NOW_S + DPOP_PROOF_WINDOW_S }))).toBe('ok');
  });

  it('without an access token (the token endpoint) no ath is needed', async () => {
    const value = await dpopProof(key, { htm: 'POST', htu: `${ORIGIN}/api/auth/token`, iat: NOW_S });
    expect(await reasonOf(value, { method: 'POST', url: `${ORIGIN}/api/auth/token` })).toBe('ok');
  });
});

describe('refused', () => {
  it('no DPoP header: missing; two: multiple; an oversized or non-JWS one: malformed', async () => {
    expect(await check(null)).toStrictEqual({ ok: false, reason: 'missing' });
    const headers = new Headers();
    headers.append('dpop', await proof());
    headers.append('dpop', await proof());
    expect(await checkDpopProof(dpopHeader(headers), expectation, T0)).toStrictEqual({ ok: false, reason: 'multiple' });
    expect(await reasonOf(await proof({ claims: { padding: 'x'.repeat(MAX_DPOP_PROOF_LENGTH) } }))).toBe('malformed');
    expect(await reasonOf('not-a-jwt')).toBe('malformed');
    expect(await reasonOf('a.b.c')).toBe('malformed');
  });

  it('wrong htm (another method, or the right one in lower case)', async () => {
    expect(await reasonOf(await proof({ htm: 'POST' }))).toBe('htm_mismatch');
    expect(await reasonOf(await proof({ htm: 'get' }))).toBe('htm_mismatch');
  });

  it('wrong htu: another path, origin, scheme or port, userinfo, or not a URL', async () => {
    for (const htu of [
      `${ORIGIN}/api/auth/sessions`,
      `${ORIGIN}/api/auth/me/`,
      'http://evil.example/api/auth/me',
      'https://localhost:3000/api/auth/me',
      'http://localhost:3001/api/auth/me',
      'http://user@localhost:3000/api/auth/me',
      '/api/auth/me',
      'ftp://localhost:3000/api/auth/me',
    ]) {
      expect(await reasonOf(await proof({ htu })), htu).toBe('htu_mismatch');
    }
  });

  it('stale or future iat (just past the window either way)', async () => {
    expect(await reasonOf(await proof({ iat: NOW_S - DPOP_PROOF_WINDOW_S - 1 }))).toBe('iat_out_of_window');
    expect(await reasonOf(await proof({ iat: NOW_S + DPOP_PROOF_WINDOW_S + 1 }))).toBe('iat_out_of_window');
    // A good proof goes stale as the clock moves on.
    expect(await reasonOf(await proof(), expectation, T0 + (DPOP_PROOF_WINDOW_S + 1) * SECOND)).toBe('iat_out_of_window');
  });

  it('wrong or missing ath on a resource request', async () => {
    expect(await reasonOf(await proof({ ath: athOf('another-token') }))).toBe('ath_mismatch');
    expect(await reasonOf(await proof({ accessToken: undefined }))).toBe('ath_mismatch');
    expect(await reasonOf(await proof({ ath: accessTokenHash(ACCESS_TOKEN).toUpperCase() }))).toBe('ath_mismatch');
  });

  it('a private key in the header (EC, and a symmetric key)', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    expect(await reasonOf(await proof({ jwk: await exportJWK(privateKey), signWith: privateKey }))).toBe('private_key');
    expect(await reasonOf(await proof({ jwk: { ...key.publicJwk, d: 'AAAA' } }))).toBe('private_key');
    expect(await reasonOf(await proof({ jwk: { kty: 'oct', k: 'c2VjcmV0' } }))).toBe('private_key');
  });

  it('alg none and HMAC algorithms', async () => {
    const payload = { jti: 'j-1', htm: 'GET', htu: URL_ME, iat: NOW_S, ath: accessTokenHash(ACCESS_TOKEN) };
    expect(await reasonOf(unsignedProof({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk }, payload))).toBe('unsupported_alg');
    const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!');
    const hs256 = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.publicJwk }).sign(secret);
    expect(await reasonOf(hs256)).toBe('unsupported_alg');
    expect(await reasonOf(unsignedProof({ typ: 'dpop+jwt', jwk: key.publicJwk }, payload))).toBe('unsupported_alg');
  });

  it('wrong or missing typ', async () => {
    expect(await reasonOf(await proof({ typ: 'JWT' }))).toBe('wrong_typ');
    expect(await reasonOf(await proof({ typ: 'at+jwt' }))).toBe('wrong_typ');
    expect(await reasonOf(await proof({ typ: null }))).toBe('wrong_typ');
  });

  it('a signature by another key than the header names, or a tampered payload', async () => {
    expect(await reasonOf(await proof({ signWith: other.privateKey }))).toBe('bad_signature');
    const [header, , signature] = (await proof()).split('.');
    const forged = unsignedProof({}, { jti: 'j', htm: 'GET', htu: URL_ME, iat: NOW_S, ath: accessTokenHash(ACCESS_TOKEN) }).split('.')[1];
    expect(await reasonOf(`${header}.${forged}.${signature}`)).toBe('bad_signature');
    // The algorithm in the header must be the key's.
    expect(await reasonOf(await proof({ jwk: (await dpopKey('Ed25519')).publicJwk }))).toBe('bad_signature');
  });

  it('missing or mistyped claims', async () => {
    expect(await reasonOf(await proof({ claims: { jti: undefined } }))).toBe('malformed');
    expect(await reasonOf(await proof({ claims: { iat: String(NOW_S) } }))).toBe('malformed');
    expect(await reasonOf(await proof({ claims: { htu: 42 } }))).toBe('malformed');
    expect(await reasonOf(await proof({ claims: { jti: 'x'.repeat(257) } }))).toBe('malformed');
  });
});

describe('the request URL a proof must name', () => {
  it('is APP_ORIGIN with the request path: the Host header and the proxy-facing origin do not count', () => {
    const request = new Request('http://10.0.0.7:8080/api/auth/me?x=1', { headers: { host: 'evil.example' } });
    expect(dpopRequestUrl('https://auth.example.com', request)).toBe('https://auth.example.com/api/auth/me');
    expect(dpopRequestUrl('https://auth.example.com', new Request('http://10.0.0.7//api/auth/me'))).toBe('https://auth.example.com//api/auth/me');
  });
});

describe('single use (the replay cache in a real SQLite store)', () => {
  let store: Store;
  beforeAll(() => {
    store = createSqliteStore(':memory:');
  });
  afterAll(async () => {
    await store.close();
  });

  it('a proof is spent once; the same jti from another key is another proof', async () => {
    const jti = 'the-same-jti';
    const first = await check(await proof({ jti }));
    if (!first.ok) throw new Error(first.reason);
    expect(await spendDpopProof(store, first.proof, T0)).toBe(true);
    expect(await spendDpopProof(store, first.proof, T0 + 59 * SECOND)).toBe(false);
    const fromOther = await check(await proof({ jti }, other));
    if (!fromOther.ok) throw new Error(fromOther.reason);
    expect(await spendDpopProof(store, fromOther.proof, T0)).toBe(true);
    // Once past the window (when checkDpopProof refuses it as stale anyway) the record may go.
    expect(await store.deleteExpiredDpopProofs(T0 + (DPOP_PROOF_WINDOW_S + 1) * SECOND)).toBe(2);
  });
});

describe('bound access tokens (cnf.jkt, RFC 9449 §6.1)', () => {
  const subject = { userId: '7f0c8a62-3b1d-4c55-9a7e-2d4f6b8c0e11', sessionId: 'AbCdEfGhIjKlMnOpQrStUv' };

  it('signAccessToken binds a token to a key when given one, and only then', async () => {
    const keys = await accessTokenKeys({ accessTokenSecret: ACCESS_SECRET, appOrigin: ORIGIN, accessTokenTtlMs: 15 * MINUTE });
    const verify = createAccessTokenVerifier(keys);
    const bound = await verify(signAccessToken({ ...subject, dpopJkt: key.jkt }, keys, T0).token, T0);
    expect(bound.ok && bound.claims.cnf).toStrictEqual({ jkt: key.jkt });
    for (const dpopJkt of [undefined, null]) {
      const plain = await verify(signAccessToken({ ...subject, dpopJkt }, keys, T0).token, T0);
      expect(plain.ok && 'cnf' in plain.claims).toBe(false);
    }
  });

  it('the verifier refuses any other cnf: extra members, a certificate thumbprint, a malformed jkt', async () => {
    const keys = await accessTokenKeys({ accessTokenSecret: ACCESS_SECRET, appOrigin: ORIGIN, accessTokenTtlMs: 15 * MINUTE });
    const verify = createAccessTokenVerifier(keys);
    const claims = { sid: subject.sessionId, sub: subject.userId, iss: ORIGIN, aud: ORIGIN, iat: NOW_S, exp: NOW_S + 900, jti: 'c9a1e0b2-5d3f-4e6a-8b7c-1f2e3d4c5b6a' };
    expect((await verify(signAccessClaims({ ...claims, cnf: { jkt: key.jkt } }, keys), T0)).ok).toBe(true);
    for (const cnf of [{ jkt: key.jkt, x5t: 'a' }, { 'x5t#S256': key.jkt }, { jkt: 'short' }, { jkt: `${key.jkt}=` }, {}, 'jkt']) {
      expect(await verify(signAccessClaims({ ...claims, cnf }, keys), T0), JSON.stringify(cnf)).toStrictEqual({ ok: false, reason: 'invalid' });
    }
  });
});
