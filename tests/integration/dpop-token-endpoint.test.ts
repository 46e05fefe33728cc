/**
 * DPoP at the token endpoint (RFC 9449 §5; contract "Native apps (RFC 8252) and other services";
 * checklist 69) through the real route handlers on both databases: a code exchanged with a proof
 * gets `"token_type":"DPoP"`, an access token with `cnf.jkt` and a session bound to the key; every
 * later `refresh_token` grant needs a fresh proof by that key and is refused without one, with
 * another key's, or with a replayed one; unbound sessions stay Bearer.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { dpopKey, dpopProof, type DpopKey } from '../support/dpop';
import { PASSWORD, SECOND, T0 } from '../support/env';
import { apiRequest, call, jwtPayload, ORIGIN } from '../support/http';
import { authorizationCode, authorizeParams, exchange, expectOAuthError, loadNativeRoutes, NATIVE_CLIENT, NATIVE_CLIENTS, newPkce, postForm, type NativeRoutes, type OAuthResult } from '../support/native';

const TOKEN_URL = `${ORIGIN}/api/auth/token`;

let app: TestApp;
let routes: NativeRoutes;
let key: DpopKey;
let otherKey: DpopKey;
let counter = 0;
let users = 0;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ NATIVE_CLIENTS });
  routes = await loadNativeRoutes();
  key = await dpopKey('ES256');
  otherKey = await dpopKey('EdDSA');
});

beforeEach(() => {
  freezeClock(T0 + counter * 86_400_000);
  counter += 1;
});

afterEach(() => {
  restoreClock();
});

/** A fresh proof for a token request by `signer`. */
function tokenProof(signer: DpopKey = key, overrides: Partial<Parameters<typeof dpopProof>[1]> = {}): Promise<string> {
  return dpopProof(signer, { htm: 'POST', htu: TOKEN_URL, ...overrides });
}

/** A browser signs up and allows the app; the app exchanges the code, with `dpop` as its DPoP header (none when null). */
async function signedInApp(dpop: string | null): Promise<{ result: OAuthResult; code: string; pkce: ReturnType<typeof newPkce> }> {
  const { response, jar } = await app.signUp(`dpop-native${(users += 1)}@example.com`, PASSWORD);
  expect(response.status).toBe(201);
  const pkce = newPkce();
  const code = await authorizationCode(routes, jar, authorizeParams(pkce));
  const result = await exchangeWith(code, pkce, dpop);
  return { result, code, pkce };
}

function exchangeWith(code: string, pkce: ReturnType<typeof newPkce>, dpop: string | null): Promise<OAuthResult> {
  if (dpop === null) return exchange(routes, code, pkce);
  return postForm(routes, 'token', { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:51234/callback', client_id: NATIVE_CLIENT, code_verifier: pkce.verifier }, { dpop });
}

function refreshGrant(refreshToken: string, dpop: string | null): Promise<OAuthResult> {
  return postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: NATIVE_CLIENT }, dpop === null ? {} : { dpop });
}

async function sessionRow(accessToken: string): Promise<{ dpop_jkt: string | null; generation: number; revoked_at: number | null }> {
  const sid = String(jwtPayload(accessToken).sid);
  const [row] = await app.query<{ dpop_jkt: string | null; generation: number; revoked_at: number | null }>('select dpop_jkt, generation, revoked_at from sessions where id = ?', sid);
  if (!row) throw new Error('no session');
  return { ...row, generation: Number(row.generation) };
}

/** GET /api/auth/me with the DPoP scheme and a proof by `signer`. */
async function meWithDpop(accessToken: string, signer: DpopKey = key): Promise<Response> {
  const meRoute = app.routes.me.GET;
  if (!meRoute) throw new TypeError('no GET');
  const dpop = await dpopProof(signer, { htm: 'GET', htu: `${ORIGIN}/api/auth/me`, accessToken });
  return call(meRoute, apiRequest('GET', '/api/auth/me', { headers: { authorization: `DPoP ${accessToken}`, dpop } }));
}

function tokensOf(result: OAuthResult): { accessToken: string; refreshToken: string } {
  expect(result.status).toBe(200);
  return { accessToken: String(result.body.access_token), refreshToken: String(result.body.refresh_token) };
}

describe('a code exchanged with a DPoP proof', () => {
  it('gets token_type DPoP, a token bound to the key (cnf.jkt) and a bound session; refreshes with fresh proofs by that key stay bound', async () => {
    const { result } = await signedInApp(await tokenProof());
    expect(result.body).toStrictEqual({ access_token: expect.any(String), token_type: 'DPoP', expires_in: 900, refresh_token: expect.any(String) });
    const first = tokensOf(result);
    expect(jwtPayload(first.accessToken).cnf).toStrictEqual({ jkt: key.jkt });
    expect((await sessionRow(first.accessToken)).dpop_jkt).toBe(key.jkt);
    expect((await meWithDpop(first.accessToken)).status).toBe(200);

    advanceClock(SECOND);
    const renewed = await refreshGrant(first.refreshToken, await tokenProof());
    expect(renewed.body.token_type).toBe('DPoP');
    const second = tokensOf(renewed);
    expect(jwtPayload(second.accessToken).cnf).toStrictEqual({ jkt: key.jkt });
    expect((await meWithDpop(second.accessToken)).status).toBe(200);
    advanceClock(SECOND);
    const again = await refreshGrant(second.refreshToken, await tokenProof());
    expect(again.body.token_type).toBe('DPoP');
    expect((await sessionRow(second.accessToken)).generation).toBe(2);
  });

  it('a refresh without a proof is refused (invalid_grant) and changes nothing', async () => {
    const first = tokensOf((await signedInApp(await tokenProof())).result);
    expectOAuthError(await refreshGrant(first.refreshToken, null), 400, 'invalid_grant');
    expect(await sessionRow(first.accessToken)).toMatchObject({ generation: 0, revoked_at: null });
    // The key's holder still can.
    expect((await refreshGrant(first.refreshToken, await tokenProof())).status).toBe(200);
  });

  it("a refresh with another key's proof is refused (invalid_grant) and changes nothing", async () => {
    const first = tokensOf((await signedInApp(await tokenProof())).result);
    expectOAuthError(await refreshGrant(first.refreshToken, await tokenProof(otherKey)), 400, 'invalid_grant');
    expect(await sessionRow(first.accessToken)).toMatchObject({ generation: 0, revoked_at: null });
  });

  it('a refresh with a replayed proof (a jti already used) is refused', async () => {
    const first = tokensOf((await signedInApp(await tokenProof())).result);
    const proof = await tokenProof();
    const second = tokensOf(await refreshGrant(first.refreshToken, proof));
    advanceClock(SECOND);
    expectOAuthError(await refreshGrant(second.refreshToken, proof), 400, 'invalid_grant');
    expect((await sessionRow(first.accessToken)).generation).toBe(1);
    // The proof of the code exchange is spent as well.
    const exchangeProof = await tokenProof(key, { jti: 'exchange-jti' });
    const bound = tokensOf((await signedInApp(exchangeProof)).result);
    expectOAuthError(await refreshGrant(bound.refreshToken, exchangeProof), 400, 'invalid_grant');
  });

  it('a bad proof at the exchange is invalid_dpop_proof and leaves the code live', async () => {
    const { result, code, pkce } = await signedInApp(await tokenProof(key, { htu: `${ORIGIN}/api/auth/me` }));
    expectOAuthError(result, 400, 'invalid_dpop_proof');
    expectOAuthError(await exchangeWith(code, pkce, await tokenProof(key, { htm: 'GET' })), 400, 'invalid_dpop_proof');
    expectOAuthError(await exchangeWith(code, pkce, await tokenProof(key, { iat: Math.floor(Date.now() / 1000) - 120 })), 400, 'invalid_dpop_proof');
    const spent = await tokenProof();
    tokensOf(await signedInApp(spent).then((r) => r.result));
    expectOAuthError(await exchangeWith(code, pkce, spent), 400, 'invalid_dpop_proof');
    const ok = await exchangeWith(code, pkce, await tokenProof());
    expect(ok.body.token_type).toBe('DPoP');
  });
});

describe('a code exchanged without a proof', () => {
  it('gets Bearer tokens and an unbound session; a proof on a later refresh changes nothing', async () => {
    const { result } = await signedInApp(null);
    expect(result.body.token_type).toBe('Bearer');
    const first = tokensOf(result);
    expect(jwtPayload(first.accessToken)).not.toHaveProperty('cnf');
    expect((await sessionRow(first.accessToken)).dpop_jkt).toBeNull();
    const renewed = await refreshGrant(first.refreshToken, await tokenProof());
    expect(renewed.body.token_type).toBe('Bearer');
    expect(jwtPayload(tokensOf(renewed).accessToken)).not.toHaveProperty('cnf');
  });
});
