/**
 * DPoP-bound access tokens on the protected APIs (RFC 9449 §7), through the real route handlers on
 * both databases: `Authorization: DPoP <token>` with a fresh proof by the bound key is accepted;
 * the same token as Bearer, in a cookie, with another key's proof, with a replayed or mismatched
 * proof, and an unbound token under the DPoP scheme are refused with 401, the contract's body and
 * the RFC 9449 §7.1 challenge. The tokens are signed here for the session a sign-up made (the token
 * endpoint's DPoP grant is tested in tests/integration/dpop-token-endpoint.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStore } from '@/db/index';
import { getAccessTokenKeys } from '@/lib/auth/access-token';
import { runHousekeeping } from '@/lib/auth/housekeeping';
import { getConfig } from '@/lib/config';
import { signAccessToken } from '@/lib/auth/sign-access-token';
import { startApp, type RouteModule, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { dpopKey, dpopProof, type DpopKey } from '../support/dpop';
import { PASSWORD, SECOND, T0 } from '../support/env';
import { apiRequest, call, expectError, jwtPayload, ORIGIN, type CookieJar, type Handler } from '../support/http';

const ME = `${ORIGIN}/api/auth/me`;

let app: TestApp;
let apiKeysRoute: RouteModule;
let logoutRoute: RouteModule;
let key: DpopKey;
let otherKey: DpopKey;
let jar: CookieJar;
let subject: { userId: string; sessionId: string };
let email: string;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  apiKeysRoute = await import('@/app/api/auth/api-keys/route');
  logoutRoute = await import('@/app/api/auth/logout/route');
  key = await dpopKey('ES256');
  otherKey = await dpopKey('EdDSA');
  email = 'dpop@example.com';
  const signedUp = await app.signUp(email, PASSWORD);
  expect(signedUp.response.status).toBe(201);
  jar = signedUp.jar;
  const claims = jwtPayload(jar.get('access_token') ?? '');
  subject = { userId: String(claims.sub), sessionId: String(claims.sid) };
});

afterAll(() => {
  restoreClock();
});

/** An access token for the signed-up session, bound to `jkt` (or unbound with null). */
async function accessToken(jkt: string | null = key.jkt): Promise<string> {
  return signAccessToken({ ...subject, dpopJkt: jkt }, await getAccessTokenKeys(), Date.now()).token;
}

function handler(module: RouteModule, method: 'GET' | 'POST'): Handler {
  const found = module[method];
  if (!found) throw new TypeError(`no ${method}`);
  return found;
}

/** GET /api/auth/me with these headers (and optionally a request URL other than APP_ORIGIN's). */
async function me(headers: Record<string, string>, url = ME): Promise<Response> {
  const request = new Request(url, { method: 'GET', headers });
  return call(handler(app.routes.me, 'GET'), request);
}

/** `Authorization: DPoP <token>` with a proof for GET /api/auth/me by `signer`. */
async function dpopHeaders(token: string, signer: DpopKey = key, proof: Partial<Parameters<typeof dpopProof>[1]> = {}): Promise<{ authorization: string; dpop: string }> {
  return { authorization: `DPoP ${token}`, dpop: await dpopProof(signer, { htm: 'GET', htu: ME, accessToken: token, ...proof }) };
}

async function expectRefused(response: Response, error: 'invalid_token' | 'invalid_dpop_proof'): Promise<void> {
  expect(response.headers.get('www-authenticate')).toBe(`DPoP error="${error}", algs="ES256 EdDSA Ed25519 PS256 RS256"`);
  await expectError(response, 401, 'unauthenticated');
}

describe('accepted', () => {
  it('a bound token with the DPoP scheme and a proof by its key', async () => {
    const response = await me(await dpopHeaders(await accessToken()));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: { email: string } }).user.email).toBe(email);
  });

  it('the scheme name in any case; each request with its own proof', async () => {
    const token = await accessToken();
    for (const scheme of ['dpop', 'DPOP', 'DPoP']) {
      const headers = await dpopHeaders(token);
      const response = await me({ ...headers, authorization: `${scheme} ${token}` });
      expect(response.status, scheme).toBe(200);
    }
  });

  it('behind a proxy: the request reaches us at an internal address, the proof names APP_ORIGIN', async () => {
    const response = await me({ ...(await dpopHeaders(await accessToken())), host: '10.0.0.7:3000' }, 'http://10.0.0.7:3000/api/auth/me');
    expect(response.status).toBe(200);
  });

  it('on session-only routes too (GET /api/auth/api-keys)', async () => {
    const token = await accessToken();
    const dpop = await dpopProof(key, { htm: 'GET', htu: `${ORIGIN}/api/auth/api-keys`, accessToken: token });
    const response = await call(handler(apiKeysRoute, 'GET'), apiRequest('GET', '/api/auth/api-keys', { headers: { authorization: `DPoP ${token}`, dpop } }));
    expect(response.status).toBe(200);
  });
});

describe('refused', () => {
  it('a bound token as Bearer, or in the access cookie', async () => {
    const token = await accessToken();
    await expectRefused(await me({ authorization: `Bearer ${token}` }), 'invalid_token');
    await expectRefused(await me({ authorization: `Bearer ${token}`, dpop: (await dpopHeaders(token)).dpop }), 'invalid_token');
    await expectRefused(await me({ cookie: `access_token=${token}` }), 'invalid_token');
  });

  it("a bound token with another key's proof", async () => {
    await expectRefused(await me(await dpopHeaders(await accessToken(), otherKey)), 'invalid_token');
  });

  it('a replayed proof (the same jti again, even on its own request)', async () => {
    const headers = await dpopHeaders(await accessToken());
    expect((await me(headers)).status).toBe(200);
    await expectRefused(await me(headers), 'invalid_dpop_proof');
    advanceClock(30 * SECOND);
    await expectRefused(await me(headers), 'invalid_dpop_proof');
    advanceClock(-30 * SECOND);
  });

  it('an unbound token with the DPoP scheme, even with a good proof (RFC 9449 §7.2)', async () => {
    await expectRefused(await me(await dpopHeaders(await accessToken(null))), 'invalid_token');
    // The same token as Bearer is fine.
    expect((await me({ authorization: `Bearer ${await accessToken(null)}` })).status).toBe(200);
  });

  it('no proof, two proofs, or a malformed DPoP authorization', async () => {
    const token = await accessToken();
    await expectRefused(await me({ authorization: `DPoP ${token}` }), 'invalid_dpop_proof');
    const first = await dpopHeaders(token);
    const second = await dpopHeaders(token);
    const twice = new Headers({ authorization: first.authorization });
    twice.append('dpop', first.dpop);
    twice.append('dpop', second.dpop);
    await expectRefused(await call(handler(app.routes.me, 'GET'), new Request(ME, { headers: twice })), 'invalid_dpop_proof');
    await expectRefused(await me({ authorization: 'DPoP', dpop: first.dpop }), 'invalid_token');
    await expectRefused(await me({ authorization: `DPoP ${token} extra`, dpop: second.dpop }), 'invalid_token');
  });

  it('a proof for another method, URL or token, or a stale one', async () => {
    const token = await accessToken();
    await expectRefused(await me(await dpopHeaders(token, key, { htm: 'POST' })), 'invalid_dpop_proof');
    await expectRefused(await me(await dpopHeaders(token, key, { htu: `${ORIGIN}/api/auth/sessions` })), 'invalid_dpop_proof');
    await expectRefused(await me(await dpopHeaders(token, key, { accessToken: await accessToken() })), 'invalid_dpop_proof');
    await expectRefused(await me(await dpopHeaders(token, key, { iat: T0 / 1000 - 61 })), 'invalid_dpop_proof');
  });

  it('a proof naming the Host the client sent instead of APP_ORIGIN', async () => {
    const token = await accessToken();
    const dpop = await dpopProof(key, { htm: 'GET', htu: 'http://evil.example/api/auth/me', accessToken: token });
    await expectRefused(await me({ authorization: `DPoP ${token}`, dpop, host: 'evil.example' }, 'http://evil.example/api/auth/me'), 'invalid_dpop_proof');
  });

  it('an API key under the DPoP scheme', async () => {
    const apiKey = 'ntak_AAAAAAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    await expectRefused(await me(await dpopHeaders(apiKey)), 'invalid_token');
  });

  it('a bound token in the access cookie signs nothing out', async () => {
    const token = await accessToken();
    const response = await call(handler(logoutRoute, 'POST'), apiRequest('POST', '/api/auth/logout', { cookies: { access_token: token } }));
    expect(response.status).toBe(204);
    expect((await me(await dpopHeaders(token))).status).toBe(200);
  });

  it("a bound token of a revoked session (the proof's record is written, the session then refused)", async () => {
    const token = await accessToken();
    const response = await call(handler(logoutRoute, 'POST'), apiRequest('POST', '/api/auth/logout', { cookies: jar }));
    expect(response.status).toBe(204);
    await expectRefused(await me(await dpopHeaders(token)), 'invalid_token');
  });
});

describe('the replay cache', () => {
  it('holds spent proofs only: refused proofs from strangers write nothing', async () => {
    const before = (await app.query<{ n: number }>('select count(*) as n from dpop_proofs'))[0]?.n;
    const stranger = await dpopKey();
    // A stranger's valid proof with a token bound to another key, and one with no valid token at all.
    await me(await dpopHeaders(await accessToken(), stranger));
    await me(await dpopHeaders('not.a.token', stranger));
    expect((await app.query<{ n: number }>('select count(*) as n from dpop_proofs'))[0]?.n).toBe(before);
    expect(Number(before)).toBeGreaterThan(0);
  });

  it('housekeeping deletes the records of proofs past their window, and only those', async () => {
    const config = getConfig();
    const store = await getStore(config.database);
    const count = async () => Number((await app.query<{ n: number }>('select count(*) as n from dpop_proofs'))[0]?.n);
    const spent = await count();
    expect((await runHousekeeping(store, config, Date.now())).dpopProofs).toBe(0);
    expect(await count()).toBe(spent);
    // Proofs are accepted up to 60 s after their iat; their records go after that (and a second).
    expect((await runHousekeeping(store, config, Date.now() + 62 * SECOND)).dpopProofs).toBe(spent);
    expect(await count()).toBe(0);
  });
});
