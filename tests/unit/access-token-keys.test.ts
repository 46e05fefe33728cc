/**
 * Asymmetric access-token signing (ACCESS_TOKEN_SIGNING=EdDSA or ES256): the header with the
 * signing key's kid, the key chosen by the exact header (checklist A1–A3), rotation, the public
 * JWK Set and machine-client tokens signed the same way.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { CompactSign, SignJWT, createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessTokenKeys, createAccessTokenVerifier, type AccessTokenKeys } from '@/lib/auth/access-token';
import { signClientToken, verifyClientToken } from '@/lib/auth/client-token';
import { jwksDocument } from '@/lib/auth/jwks';
import { checkSigningKeys, publicSigningJwks } from '@/lib/auth/signing-keys';
import { signAccessToken } from '@/lib/auth/sign-access-token';
import { ConfigError, parseConfig, type Config } from '@/lib/config';
import { ACCESS_SECRET, MINUTE, REFRESH_SECRET, T0 } from '../support/env';
import { b64url, decodeSegment, forgeToken } from '../support/jwt';
import { newSigningJwk, signingEnv, type SigningAlgorithm } from '../support/signing-keys';

const ORIGIN = 'http://localhost:3000';
const NOW_S = T0 / 1000;
const TTL_S = 15 * 60;
const SESSION_ID = 'AbCdEfGhIjKlMnOpQrStUv';
const USER_ID = '7f0c8a62-3b1d-4c55-9a7e-2d4f6b8c0e11';
const SUBJECT = { userId: USER_ID, sessionId: SESSION_ID };

function configWith(alg: SigningAlgorithm, keys: object[]): Config {
  return parseConfig({ NODE_ENV: 'test', ACCESS_TOKEN_SECRET: ACCESS_SECRET, REFRESH_TOKEN_SECRET: REFRESH_SECRET, ACCESS_TOKEN_EXPIRY: '15m', ...signingEnv(alg, keys) });
}

async function keysFor(alg: SigningAlgorithm, jwks: object[]): Promise<AccessTokenKeys> {
  return accessTokenKeys(configWith(alg, jwks));
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sid: SESSION_ID, sub: USER_ID, iss: ORIGIN, aud: ORIGIN, iat: NOW_S, exp: NOW_S + TTL_S, jti: 'c9a1e0b2-5d3f-4e6a-8b7c-1f2e3d4c5b6a', ...overrides };
}

/** A token signed with `jwk` (private) over any header text at all (node:crypto: jose refuses to sign some of them, e.g. crit). */
function rawToken(jwk: Record<string, string>, header: object, payload: object = claims()): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const signature = jwk.kty === 'OKP' ? sign(null, Buffer.from(input), key) : sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** A token jose signs with `jwk` (private) under a header jose accepts. */
async function joseToken(jwk: Record<string, string>, header: Record<string, unknown>, payload: object = claims()): Promise<string> {
  const key = await importJWK(jwk, jwk.alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key);
}

describe.each(['EdDSA', 'ES256'] as const)('%s', (alg) => {
  const OTHER_ALG = alg === 'EdDSA' ? 'ES256' : 'EdDSA';
  let k1: Record<string, string>;
  let k2: Record<string, string>;
  let stranger: Record<string, string>;
  let keys: AccessTokenKeys;

  beforeAll(async () => {
    [k1, k2, stranger] = await Promise.all([newSigningJwk(alg, 'k1'), newSigningJwk(alg, 'k2'), newSigningJwk(alg, 'k1')]);
    keys = await keysFor(alg, [k1]);
  });

  const verify = (token: string, with_ = keys) => createAccessTokenVerifier(with_)(token, T0);

  it('signs with exactly {"alg","typ":"at+jwt","kid"} of the first key, and verifies', async () => {
    const { token, expiresAt } = signAccessToken(SUBJECT, keys, T0);
    expect(expiresAt).toBe(T0 + 15 * MINUTE);
    const [header = '', payload = ''] = token.split('.');
    expect(Buffer.from(header, 'base64url').toString()).toBe(`{"alg":"${alg}","typ":"at+jwt","kid":"k1"}`);
    expect(await verify(token)).toEqual({ ok: true, claims: decodeSegment(payload) });
  });

  it('is what jose accepts with every check, from the public JWK Set alone', async () => {
    const { token } = signAccessToken(SUBJECT, keys, T0);
    const jwks = await publicSigningJwks(configWith(alg, [k1]).accessTokenSigning);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: jwks }), {
      algorithms: [alg],
      typ: 'at+jwt',
      issuer: ORIGIN,
      audience: ORIGIN,
      requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
      currentDate: new Date(T0),
    });
    expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: 'k1' });
    expect(payload.sub).toBe(USER_ID);
  });

  if (alg === 'EdDSA') {
    it('is byte for byte the token jose signs from the same claims (Ed25519 is deterministic)', async () => {
      const { token } = signAccessToken(SUBJECT, keys, T0);
      const body = decodeSegment(token.split('.')[1] ?? '') as Record<string, string | number>;
      const byJose = await new SignJWT({ sid: SESSION_ID })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k1' })
        .setSubject(USER_ID)
        .setIssuer(ORIGIN)
        .setAudience(ORIGIN)
        .setIssuedAt(NOW_S)
        .setExpirationTime(NOW_S + TTL_S)
        .setJti(String(body.jti))
        .sign(await importJWK(k1, alg));
      expect(token).toBe(byJose);
    });
  }

  it('accepts a token jose signed with the configured key under our exact header (the verifier is sound)', async () => {
    expect((await verify(await joseToken(k1, { alg, typ: 'at+jwt', kid: 'k1' }))).ok).toBe(true);
    expect((await verify(rawToken(k1, { alg, typ: 'at+jwt', kid: 'k1' }))).ok).toBe(true);
  });

  it.each([
    ['alg none', { alg: 'none', typ: 'at+jwt', kid: 'k1' }],
    ['the other asymmetric algorithm', { alg: OTHER_ALG, typ: 'at+jwt', kid: 'k1' }],
    ['HS256 with the kid', { alg: 'HS256', typ: 'at+jwt', kid: 'k1' }],
    ['members in another order', { typ: 'at+jwt', alg, kid: 'k1' }],
    ['no kid', { alg, typ: 'at+jwt' }],
    ['an embedded jwk', { alg, typ: 'at+jwt', kid: 'k1', jwk: { kty: 'OKP' } }],
    ['a jku', { alg, typ: 'at+jwt', kid: 'k1', jku: 'https://attacker.example/jwks.json' }],
    ['crit', { alg, typ: 'at+jwt', kid: 'k1', crit: ['exp'] }],
    ['another typ', { alg, typ: 'JWT', kid: 'k1' }],
  ])('refuses a header with %s, even signed by the configured key', async (_name, header) => {
    // Signed over that very header with the configured private key, and, for the HMAC family, with ACCESS_TOKEN_SECRET.
    expect(await verify(rawToken(k1, header))).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify(forgeToken(header, claims(), ACCESS_SECRET))).toEqual({ ok: false, reason: 'malformed' });
    // A valid signature spliced under the header.
    const valid = signAccessToken(SUBJECT, keys, T0).token.split('.');
    expect(await verify(`${b64url(JSON.stringify(header))}.${valid[1]}.${valid[2]}`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses an HS256 token signed with ACCESS_TOKEN_SECRET (the HS256 header is not configured)', async () => {
    const hs = signAccessToken(SUBJECT, await accessTokenKeys({ accessTokenSecret: ACCESS_SECRET, appOrigin: ORIGIN, accessTokenTtlMs: 15 * MINUTE }), T0).token;
    expect(await verify(hs)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a token signed by another key that claims the configured kid', async () => {
    expect(await verify(await joseToken(stranger, { alg, typ: 'at+jwt', kid: 'k1' }))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a token with an unknown kid, whatever key signed it', async () => {
    expect(await verify(await joseToken(k2, { alg, typ: 'at+jwt', kid: 'k2' }))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('picks the key by the header: k1 signing under k2\'s header is refused though both are configured', async () => {
    const both = await keysFor(alg, [k2, k1]);
    expect((await verify(await joseToken(k1, { alg, typ: 'at+jwt', kid: 'k2' }), both)).ok).toBe(false);
    expect((await verify(await joseToken(k2, { alg, typ: 'at+jwt', kid: 'k2' }), both)).ok).toBe(true);
  });

  it('refuses a flipped signature byte and a truncated signature', async () => {
    const { token } = signAccessToken(SUBJECT, keys, T0);
    const [h, p, s = ''] = token.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] = (sig[10] ?? 0) ^ 1;
    expect((await verify(`${h}.${p}.${sig.toString('base64url')}`)).ok).toBe(false);
    expect((await verify(`${h}.${p}.${s.slice(0, 43)}`)).ok).toBe(false);
  });

  describe('rotation', () => {
    it('new tokens carry the new first kid; tokens of a key still listed verify; after its removal they do not', async () => {
      const old = signAccessToken(SUBJECT, keys, T0).token;
      const rotated = await keysFor(alg, [k2, k1]);
      const fresh = signAccessToken(SUBJECT, rotated, T0).token;
      expect(decodeProtectedHeader(fresh).kid).toBe('k2');
      expect((await verify(old, rotated)).ok).toBe(true);
      expect((await verify(fresh, rotated)).ok).toBe(true);
      const retired = await keysFor(alg, [k2]);
      expect(await verify(old, retired)).toEqual({ ok: false, reason: 'malformed' });
      expect((await verify(fresh, retired)).ok).toBe(true);
      // The keys of the old configuration never learned k2.
      expect((await verify(fresh, keys)).ok).toBe(false);
    });
  });

  describe('public JWK Set', () => {
    it('lists every key, signing key first, with kid, alg, use and no private member', async () => {
      const jwks = await publicSigningJwks(configWith(alg, [k2, k1]).accessTokenSigning);
      expect(jwks.map((jwk) => jwk.kid)).toEqual(['k2', 'k1']);
      for (const [jwk, source] of [[jwks[0], k2], [jwks[1], k1]] as const) {
        const expected: JWK = alg === 'EdDSA' ? { kty: 'OKP', crv: 'Ed25519', x: source.x } : { kty: 'EC', crv: 'P-256', x: source.x, y: source.y };
        expect(jwk).toEqual({ ...expected, kid: source.kid, alg, use: 'sig' });
        expect(JSON.stringify(jwk)).not.toContain(source.d);
      }
    });

    it('refuses at start a key whose public member does not belong to its d, naming the kid but no key material', () => {
      const mismatched = { ...k1, x: k2.x };
      const signing = configWith(alg, [mismatched]).accessTokenSigning;
      let thrown: unknown;
      try {
        checkSigningKeys(signing);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect(String(thrown)).toContain('ACCESS_TOKEN_PRIVATE_KEYS');
      expect(String(thrown)).toContain('"k1"');
      for (const secret of [k1.d, k1.x, k2.x]) expect(String(thrown)).not.toContain(secret);
      expect(() => checkSigningKeys(configWith(alg, [k2, k1]).accessTokenSigning)).not.toThrow();
    });
  });

  describe('machine-client tokens', () => {
    const x5t = 'A'.repeat(43);

    it('are signed with the same header and verify; a rotated-out key fails them too', async () => {
      const { token } = signClientToken('billing', x5t, keys, T0);
      expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: 'k1' });
      expect(await verifyClientToken(token, keys, T0)).toMatchObject({ sub: 'billing', client_id: 'billing', cnf: { 'x5t#S256': x5t } });
      expect(await verifyClientToken(token, await keysFor(alg, [k2, k1]), T0)).not.toBeNull();
      expect(await verifyClientToken(token, await keysFor(alg, [k2]), T0)).toBeNull();
      const forged = await joseToken(stranger, { alg, typ: 'at+jwt', kid: 'k1' }, { ...claims(), client_id: USER_ID, cnf: { 'x5t#S256': x5t } });
      expect(await verifyClientToken(forged, keys, T0)).toBeNull();
    });
  });
});

describe('HS256 (the default) is unchanged', () => {
  it('has exactly the header {"alg":"HS256","typ":"at+jwt"} and an empty public JWK Set', async () => {
    const config = parseConfig({ NODE_ENV: 'test', ACCESS_TOKEN_SECRET: ACCESS_SECRET, REFRESH_TOKEN_SECRET: REFRESH_SECRET });
    const keys = await accessTokenKeys(config);
    const { token } = signAccessToken(SUBJECT, keys, T0);
    expect(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).toBe('{"alg":"HS256","typ":"at+jwt"}');
    expect(await publicSigningJwks(config.accessTokenSigning)).toEqual([]);
    // What GET /.well-known/jwks.json answers: an empty set, never the secret.
    expect(await jwksDocument(config)).toBe('{"keys":[]}');
  });
});
