import fc from 'fast-check';
import { SignJWT, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { mintRefreshToken, newSessionSecrets } from '@/lib/auth/refresh-token';
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_TYP,
  CLOCK_TOLERANCE_S,
  accessTokenKeys,
  createAccessTokenVerifier,
  type AccessTokenKeys,
} from '@/lib/auth/access-token';
import { signAccessToken } from '@/lib/auth/sign-access-token';
import { ACCESS_SECRET, MINUTE, REFRESH_SECRET, SECOND, T0 } from '../support/env';
import { b64url, decodeSegment, forgeToken, nonCanonical, signSegments } from '../support/jwt';

const ORIGIN = 'http://localhost:3000';
const TTL_MS = 15 * MINUTE;
const TTL_S = TTL_MS / 1000;
const NOW_S = T0 / 1000;
const SESSION_ID = 'AbCdEfGhIjKlMnOpQrStUv'; // 22 base64url characters
const USER_ID = '7f0c8a62-3b1d-4c55-9a7e-2d4f6b8c0e11';
const HEADER = { alg: 'HS256', typ: 'at+jwt' };

let keys: AccessTokenKeys;
let secretKey: Uint8Array;

beforeAll(async () => {
  keys = await accessTokenKeys({ accessTokenSecret: ACCESS_SECRET, appOrigin: ORIGIN, accessTokenTtlMs: TTL_MS });
  secretKey = new TextEncoder().encode(ACCESS_SECRET);
});

/** Claims exactly as we issue them, at T0. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sid: SESSION_ID, sub: USER_ID, iss: ORIGIN, aud: ORIGIN, iat: NOW_S, exp: NOW_S + TTL_S, jti: 'c9a1e0b2-5d3f-4e6a-8b7c-1f2e3d4c5b6a', ...overrides };
}

/** A fresh verifier (empty cache) checking at `now`. */
async function verify(token: string, now = T0) {
  return createAccessTokenVerifier(keys)(token, now);
}

async function issued(now = T0) {
  return (signAccessToken({ userId: USER_ID, sessionId: SESSION_ID }, keys, now)).token;
}

describe('signAccessToken', () => {
  it('issues a token that verifies, with the exact header and minimal claims', async () => {
    const { token, expiresAt } = signAccessToken({ userId: USER_ID, sessionId: SESSION_ID }, keys, T0);
    expect(expiresAt).toBe(T0 + TTL_MS);
    const [header = '', payload = ''] = token.split('.');
    expect(decodeSegment(header)).toEqual({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP });
    const body = decodeSegment(payload) as Record<string, unknown>;
    // Ids and times only: no email or other personal data (checklist A9).
    expect(Object.keys(body).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
    expect(body).toMatchObject({ sid: SESSION_ID, sub: USER_ID, iss: ORIGIN, aud: ORIGIN, iat: NOW_S, exp: NOW_S + TTL_S });

    const result = await verify(token);
    expect(result).toEqual({ ok: true, claims: body });
  });

  it('is byte for byte the token jose signs from the same claims, and jose verifies it with every check', async () => {
    const { token } = signAccessToken({ userId: USER_ID, sessionId: SESSION_ID }, keys, T0);
    const body = decodeSegment(token.split('.')[1] ?? '') as Record<string, string | number>;
    const byJose = await new SignJWT({ sid: SESSION_ID })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP })
      .setSubject(USER_ID)
      .setIssuer(ORIGIN)
      .setAudience(ORIGIN)
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + TTL_S)
      .setJti(String(body.jti))
      .sign(secretKey);
    expect(token).toBe(byJose);
    const { payload, protectedHeader } = await jwtVerify(token, secretKey, {
      algorithms: ['HS256'],
      typ: ACCESS_TOKEN_TYP,
      issuer: ORIGIN,
      audience: ORIGIN,
      requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
      currentDate: new Date(T0),
    });
    expect(protectedHeader).toEqual(HEADER);
    expect(payload).toEqual(body);
    // A token signed under another secret is refused by the same verification.
    const other = signAccessToken({ userId: USER_ID, sessionId: SESSION_ID }, { ...keys, signer: { alg: 'HS256', secret: new TextEncoder().encode(`${ACCESS_SECRET}x`) } }, T0);
    expect((await verify(other.token)).ok).toBe(false);
  });

  it('gives every token its own jti', async () => {
    const a = decodeSegment((await issued()).split('.')[1] ?? '') as Record<string, unknown>;
    const b = decodeSegment((await issued()).split('.')[1] ?? '') as Record<string, unknown>;
    expect(a.jti).not.toBe(b.jti);
  });

  it('rounds iat down and never lets the token outlive its lifetime', async () => {
    const { token, expiresAt } = signAccessToken({ userId: USER_ID, sessionId: SESSION_ID }, keys, T0 + 999);
    expect(expiresAt).toBe(T0 + TTL_MS);
    expect(decodeSegment(token.split('.')[1] ?? '')).toMatchObject({ iat: NOW_S, exp: NOW_S + TTL_S });
  });

  it('never outlives the session: notAfter caps exp, and the token is refused after it', async () => {
    const sessionEnds = T0 + 60_000; // the session's absolute expiry, well inside the token lifetime
    const { token, expiresAt } = signAccessToken({ userId: USER_ID, sessionId: SESSION_ID }, keys, T0, sessionEnds);
    expect(expiresAt).toBe(sessionEnds);
    expect(decodeSegment(token.split('.')[1] ?? '')).toMatchObject({ iat: NOW_S, exp: NOW_S + 60 });
    expect((await verify(token, sessionEnds - 1000)).ok).toBe(true);
    expect(await verify(token, sessionEnds + 6_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('accepts a hand-made token with our exact header and claims (the forging helper is sound)', async () => {
    expect((await verify(forgeToken(HEADER, claims(), ACCESS_SECRET))).ok).toBe(true);
  });
});

describe('algorithm', () => {
  it.each(['HS384', 'HS512'])('refuses %s signed with the same secret', async (alg) => {
    const token = await new SignJWT(claims()).setProtectedHeader({ alg, typ: 'at+jwt' }).sign(secretKey);
    expect(await verify(token)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %j, with or without a signature', async (alg) => {
    const header = b64url(JSON.stringify({ alg, typ: 'at+jwt' }));
    const payload = b64url(JSON.stringify(claims()));
    expect((await verify(`${header}.${payload}.`)).ok).toBe(false);
    expect((await verify(`${header}.${payload}`)).ok).toBe(false);
    expect((await verify(forgeToken({ alg, typ: 'at+jwt' }, claims(), ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses a token signed with another secret', async () => {
    expect(await verify(forgeToken(HEADER, claims(), REFRESH_SECRET))).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('signature tampering', () => {
  it('refuses a stripped signature', async () => {
    const [header, payload] = (await issued()).split('.');
    expect((await verify(`${header}.${payload}.`)).ok).toBe(false);
    expect((await verify(`${header}.${payload}`)).ok).toBe(false);
  });

  it("refuses a signature spliced from another token", async () => {
    const mine = (await issued()).split('.');
    const other = forgeToken(HEADER, claims({ sub: 'someone-else' }), ACCESS_SECRET).split('.');
    expect((await verify(`${mine[0]}.${mine[1]}.${other[2]}`)).ok).toBe(false);
    expect((await verify(`${other[0]}.${other[1]}.${mine[2]}`)).ok).toBe(false);
  });

  it('refuses a flipped payload byte', async () => {
    const [header = '', payload = '', signature = ''] = (await issued()).split('.');
    const bytes = Buffer.from(payload, 'base64url');
    const at = bytes.indexOf(USER_ID.slice(0, 1), bytes.indexOf('"sub"'));
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    expect((await verify(`${header}.${bytes.toString('base64url')}.${signature}`)).ok).toBe(false);
  });

  it('refuses a flipped signature byte', async () => {
    const [header = '', payload = '', signature = ''] = (await issued()).split('.');
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0x80;
    expect((await verify(`${header}.${payload}.${bytes.toString('base64url')}`)).ok).toBe(false);
  });
});

describe('time', () => {
  it('accepts an expired token within the 5 s tolerance and refuses it beyond', async () => {
    expect(CLOCK_TOLERANCE_S).toBeLessThanOrEqual(30);
    const token = await issued();
    const exp = T0 + TTL_MS;
    expect((await verify(token, exp - 1)).ok).toBe(true);
    expect((await verify(token, exp + 4 * SECOND)).ok).toBe(true);
    expect(await verify(token, exp + 6 * SECOND)).toEqual({ ok: false, reason: 'expired' });
    expect(await verify(token, exp + 1_000 * SECOND)).toEqual({ ok: false, reason: 'expired' });
  });

  it('requires exp', async () => {
    const withoutExp = claims();
    Reflect.deleteProperty(withoutExp, 'exp');
    expect((await verify(forgeToken(HEADER, withoutExp, ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses a token issued longer ago than its lifetime, even with a later exp (maxTokenAge)', async () => {
    const token = forgeToken(HEADER, claims({ iat: NOW_S - TTL_S - 60, exp: NOW_S + 600 }), ACCESS_SECRET);
    expect((await verify(token)).ok).toBe(false);
    // The same shape within the lifetime passes, so the age is what is refused.
    expect((await verify(forgeToken(HEADER, claims({ iat: NOW_S - 60, exp: NOW_S + 600 }), ACCESS_SECRET))).ok).toBe(true);
  });

  it('refuses iat in the future beyond the tolerance and accepts small skew', async () => {
    expect((await verify(forgeToken(HEADER, claims({ iat: NOW_S + 60, exp: NOW_S + 60 + TTL_S }), ACCESS_SECRET))).ok).toBe(false);
    expect((await verify(forgeToken(HEADER, claims({ iat: NOW_S + 3, exp: NOW_S + 3 + TTL_S }), ACCESS_SECRET))).ok).toBe(true);
  });

  it('refuses nbf in the future', async () => {
    expect((await verify(forgeToken(HEADER, claims({ nbf: NOW_S + 60 }), ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses non-integer or string times', async () => {
    expect((await verify(forgeToken(HEADER, claims({ exp: `${NOW_S + TTL_S}` }), ACCESS_SECRET))).ok).toBe(false);
    expect((await verify(forgeToken(HEADER, claims({ iat: NOW_S + 0.5 }), ACCESS_SECRET))).ok).toBe(false);
  });
});

describe('issuer, audience and type', () => {
  it('refuses a wrong iss or aud', async () => {
    expect((await verify(forgeToken(HEADER, claims({ iss: 'https://evil.example' }), ACCESS_SECRET))).ok).toBe(false);
    expect((await verify(forgeToken(HEADER, claims({ aud: 'https://evil.example' }), ACCESS_SECRET))).ok).toBe(false);
    expect((await verify(forgeToken(HEADER, claims({ iss: `${ORIGIN}/` }), ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses aud as an array, even one containing ours', async () => {
    expect((await verify(forgeToken(HEADER, claims({ aud: [ORIGIN] }), ACCESS_SECRET))).ok).toBe(false);
    expect((await verify(forgeToken(HEADER, claims({ aud: [ORIGIN, 'https://other.example'] }), ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses iss as an array', async () => {
    expect((await verify(forgeToken(HEADER, claims({ iss: [ORIGIN] }), ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses missing sub, sid or jti, and unknown claims', async () => {
    for (const missing of ['sub', 'sid', 'jti', 'iat', 'iss', 'aud']) {
      const partial = claims();
      Reflect.deleteProperty(partial, missing);
      expect((await verify(forgeToken(HEADER, partial, ACCESS_SECRET))).ok, missing).toBe(false);
    }
    expect((await verify(forgeToken(HEADER, claims({ email: 'a@example.com' }), ACCESS_SECRET))).ok).toBe(false);
  });

  it.each([
    ['JWT', { alg: 'HS256', typ: 'JWT' }],
    ['reset+jwt', { alg: 'HS256', typ: 'reset+jwt' }],
    ['missing', { alg: 'HS256' }],
    ['AT+JWT', { alg: 'HS256', typ: 'AT+JWT' }],
  ])('refuses typ %s', async (_name, header) => {
    expect((await verify(forgeToken(header, claims(), ACCESS_SECRET))).ok).toBe(false);
    const viaJose = await new SignJWT(claims()).setProtectedHeader(header).sign(secretKey);
    expect((await verify(viaJose)).ok).toBe(false);
  });

  it('refuses a refresh token presented as an access token', async () => {
    const { sessionId, nonce } = newSessionSecrets();
    const refresh = mintRefreshToken(REFRESH_SECRET, { id: sessionId, nonce }, 0);
    expect((await verify(refresh)).ok).toBe(false);
    const sameSecret = mintRefreshToken(ACCESS_SECRET, { id: sessionId, nonce }, 3);
    expect((await verify(sameSecret)).ok).toBe(false);
  });
});

describe('header parameters', () => {
  const tenKb = 'k'.repeat(10 * 1024);
  it.each([
    ['jwk', { jwk: { kty: 'oct', k: b64url('attacker-key-attacker-key-attacker-key') } }],
    ['jku', { jku: 'https://evil.example/jwks.json' }],
    ['x5u', { x5u: 'https://evil.example/cert.pem' }],
    ['x5c', { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }],
    ['kid path', { kid: '../../../../dev/null' }],
    ['kid SQL', { kid: "' UNION SELECT 'secret' --" }],
    ['kid number', { kid: 42 }],
    ['kid null', { kid: null }],
    ['kid object', { kid: { $ne: null } }],
    ['kid empty', { kid: '' }],
    ['kid 10 KB', { kid: tenKb }],
    ['crit', { crit: ['exp'], exp: NOW_S + TTL_S }],
    ['crit unknown', { crit: ['urn:example:unknown'], 'urn:example:unknown': true }],
    ['b64 false', { b64: false, crit: ['b64'] }],
    ['cty', { cty: 'JWT' }],
  ])('refuses a header with %s, signed with the real secret', async (_name, extra) => {
    const token = forgeToken({ ...HEADER, ...extra }, claims(), ACCESS_SECRET);
    await expect(verify(token)).resolves.toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses the same header serialised differently (key order, whitespace)', async () => {
    expect((await verify(forgeToken('{"typ":"at+jwt","alg":"HS256"}', claims(), ACCESS_SECRET))).ok).toBe(false);
    expect((await verify(forgeToken('{"alg": "HS256", "typ": "at+jwt"}', claims(), ACCESS_SECRET))).ok).toBe(false);
  });
});

describe('payload and encoding', () => {
  it('refuses duplicate JSON keys (the second sub would win in JSON.parse)', async () => {
    const c = claims();
    const text = `{"sid":"${SESSION_ID}","sub":"${USER_ID}","sub":"admin","iss":"${ORIGIN}","aud":"${ORIGIN}","iat":${NOW_S},"exp":${NOW_S + TTL_S},"jti":"${String(c.jti)}"}`;
    expect((await verify(forgeToken(HEADER, text, ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses payloads that are not JSON objects', async () => {
    for (const payload of [JSON.stringify([claims()]), '"string"', 'null', '42', 'true', '{', '']) {
      expect((await verify(forgeToken(HEADER, payload, ACCESS_SECRET))).ok, payload).toBe(false);
    }
  });

  it('refuses payload text with whitespace we never emit', async () => {
    expect((await verify(forgeToken(HEADER, JSON.stringify(claims(), null, 1), ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses a non-canonical signature encoding (same bytes, other text)', async () => {
    const [header = '', payload = '', signature = ''] = (await issued()).split('.');
    const altered = nonCanonical(signature);
    expect(Buffer.from(altered, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect((await verify(`${header}.${payload}.${altered}`)).ok).toBe(false);
  });

  it('refuses a non-canonical payload encoding, even when signed', async () => {
    // Find claims whose payload length leaves unused bits in its last character.
    let payload = '';
    for (let pad = 0; pad < 3 && (payload === '' || payload.length % 4 === 0); pad += 1) {
      payload = b64url(JSON.stringify(claims({ jti: `jti-${'x'.repeat(pad)}` })));
    }
    const altered = nonCanonical(payload);
    expect(Buffer.from(altered, 'base64url').equals(Buffer.from(payload, 'base64url'))).toBe(true);
    const header = b64url(JSON.stringify(HEADER));
    expect((await verify(signSegments(header, payload, ACCESS_SECRET))).ok).toBe(true);
    expect((await verify(signSegments(header, altered, ACCESS_SECRET))).ok).toBe(false);
  });

  it('refuses padding and standard-base64 characters', async () => {
    const token = await issued();
    const [header = '', payload = '', signature = ''] = token.split('.');
    expect((await verify(`${header}.${payload}.${signature}=`)).ok).toBe(false);
    expect((await verify(`${header}.${payload}=.${signature}`)).ok).toBe(false);
    // Standard base64 (`+`, `/`) of the same bytes: find a deterministic token whose signature needs them.
    let forged = '';
    for (let i = 0; !/[-_]/.test(forged.split('.')[2] ?? ''); i += 1) forged = forgeToken(HEADER, claims({ jti: `jti-${i}` }), ACCESS_SECRET);
    expect((await verify(forged)).ok).toBe(true);
    expect((await verify(forged.replace(/-/g, '+').replace(/_/g, '/'))).ok).toBe(false);
  });

  it.each(['', '.', '..', 'a.b', 'a.b.c', 'a.b.c.d', ' ', 'Bearer x', '💥.💥.💥', 'x'.repeat(5000)])('refuses garbage %j without throwing', async (garbage) => {
    await expect(verify(garbage)).resolves.toMatchObject({ ok: false });
  });

  it('refuses an otherwise valid token with a fifth segment or surrounding space', async () => {
    const token = await issued();
    expect((await verify(`${token}.x`)).ok).toBe(false);
    expect((await verify(` ${token}`)).ok).toBe(false);
    expect((await verify(`${token} `)).ok).toBe(false);
  });
});

describe('verifier cache', () => {
  it('never extends expiry: a token verified once is refused after exp + tolerance', async () => {
    const verifier = createAccessTokenVerifier(keys);
    const token = await issued();
    expect((await verifier(token, T0)).ok).toBe(true);
    expect((await verifier(token, T0 + TTL_MS - SECOND)).ok).toBe(true);
    expect(await verifier(token, T0 + TTL_MS + 6 * SECOND)).toEqual({ ok: false, reason: 'expired' });
    // And stays refused afterwards.
    expect((await verifier(token, T0 + TTL_MS + 7 * SECOND)).ok).toBe(false);
  });

  it('agrees with a fresh verification at every boundary instant', async () => {
    const cached = createAccessTokenVerifier(keys);
    const token = await issued();
    expect((await cached(token, T0)).ok).toBe(true);
    const exp = T0 + TTL_MS;
    const tolerance = CLOCK_TOLERANCE_S * SECOND;
    const instants = [T0 - tolerance - 1, T0 - tolerance, T0, exp - 1, exp, exp + tolerance - 1, exp + tolerance, exp + tolerance + 1, exp + tolerance + 999];
    for (const now of instants) {
      const fresh = await createAccessTokenVerifier(keys)(token, now);
      const viaCache = await cached(token, now);
      expect(viaCache.ok, `at T0 + ${now - T0} ms`).toBe(fresh.ok);
    }
  });

  it('does not remember failures: a token refused for its signature stays refused', async () => {
    const verifier = createAccessTokenVerifier(keys);
    const forged = forgeToken(HEADER, claims(), REFRESH_SECRET);
    expect((await verifier(forged, T0)).ok).toBe(false);
    expect((await verifier(forged, T0)).ok).toBe(false);
  });

  it('is per key: a token cached by one verifier is not trusted by a verifier with another key', async () => {
    const token = await issued();
    expect((await createAccessTokenVerifier(keys)(token, T0)).ok).toBe(true);
    const otherKeys = await accessTokenKeys({ accessTokenSecret: REFRESH_SECRET, appOrigin: ORIGIN, accessTokenTtlMs: TTL_MS });
    expect((await createAccessTokenVerifier(otherKeys)(token, T0)).ok).toBe(false);
  });
});

describe('any change to a valid token', () => {
  it('is refused, never thrown (property)', async () => {
    const token = await issued();
    const verifier = createAccessTokenVerifier(keys);
    expect((await verifier(token, T0)).ok).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.nat({ max: 4 }), fc.string({ minLength: 0, maxLength: 4 }), async (at, removed, inserted) => {
        const changed = token.slice(0, at) + inserted + token.slice(at + removed);
        fc.pre(changed !== token);
        // The cached verifier too: a cache keyed by the exact string must not match a variant.
        const result = await verifier(changed, T0);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
