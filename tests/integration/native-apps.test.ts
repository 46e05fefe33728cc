/**
 * Native apps (RFC 8252; contract "Native apps (RFC 8252) and other services"; checklist 10, 37,
 * 68) through the real route handlers on both databases: the authorization request and every
 * error of RFC 6749 §4.1.2.1, the consent step, the authorization_code grant and every error of
 * §5.2 (bad client, redirect URI mismatch, missing or wrong PKCE verifier, replay revoking the
 * session the code created, expiry), the refresh_token grant (rotation, grace and reuse, the
 * token bound to its client), and revocation (RFC 7009).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type SecurityEventRow, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, SECOND, T0 } from '../support/env';
import { apiRequest, call, CookieJar, expectError, jwtPayload, ORIGIN } from '../support/http';
import {
  answer,
  authorizationCode,
  authorizeParams,
  CUSTOM_SCHEME,
  exchange,
  expectOAuthError,
  getAuthorize,
  loadNativeRoutes,
  NATIVE_CLIENT,
  NATIVE_CLIENTS,
  newPkce,
  OTHER_CLIENT,
  postForm,
  type NativeRoutes,
  type OAuthResult,
  type Pkce,
} from '../support/native';
import { codeAt, firstStep, loadTwoFactorRoutes, registerWithTwoFactor, secondStep, type TwoFactorRoutes } from '../support/two-factor';

let app: TestApp;
let routes: NativeRoutes;
let twoFactor: TwoFactorRoutes;
let counter = 0;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ NATIVE_CLIENTS });
  routes = await loadNativeRoutes();
  twoFactor = await loadTwoFactorRoutes();
});

beforeEach(() => {
  freezeClock(T0 + counter * 86_400_000);
  counter += 1;
});

afterEach(() => {
  restoreClock();
});

/** A new user, signed in in a browser. */
async function browser(): Promise<CookieJar> {
  const { response, jar } = await app.signUp(`native${counter}-${Math.random().toString(36).slice(2)}@example.com`, PASSWORD);
  expect(response.status).toBe(201);
  return jar;
}

/** A browser signs in, allows the app, and the app exchanges its code: the token response. */
async function signedInApp(jar?: CookieJar): Promise<{ tokens: OAuthResult; pkce: Pkce; jar: CookieJar }> {
  const signedIn = jar ?? (await browser());
  const pkce = newPkce();
  const code = await authorizationCode(routes, signedIn, authorizeParams(pkce));
  const tokens = await exchange(routes, code, pkce);
  expect(tokens.status).toBe(200);
  return { tokens, pkce, jar: signedIn };
}

const refreshGrant = (refreshToken: string, clientId = NATIVE_CLIENT) => postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

async function me(accessToken: string): Promise<Response> {
  const meRoute = app.routes.me.GET;
  if (!meRoute) throw new TypeError('no GET');
  return call(meRoute, apiRequest('GET', '/api/auth/me', { bearer: accessToken }));
}

async function sessionRow(id: string): Promise<{ client_id: string | null; method: string; revoked_at: number | null; revoked_reason: string | null }> {
  const [row] = await app.query<{ client_id: string | null; method: string; revoked_at: number | null; revoked_reason: string | null }>('SELECT client_id, method, revoked_at, revoked_reason FROM sessions WHERE id = ?', id);
  if (!row) throw new Error(`no session ${id}`);
  return { ...row, revoked_at: row.revoked_at === null ? null : Number(row.revoked_at) };
}

const sidOf = (accessToken: unknown) => String(jwtPayload(String(accessToken)).sid);

describe('GET /api/auth/authorize: the client and the redirect URI first, never redirecting while either is in doubt', () => {
  const pkce = newPkce();

  it.each([
    ['an unknown client', { client_id: 'com.example.evil' }, 'invalid_client'],
    ['no client_id', { client_id: undefined }, 'invalid_client'],
    ['no redirect_uri', { redirect_uri: undefined }, 'invalid_redirect_uri'],
    ['another path', { redirect_uri: 'http://127.0.0.1:51234/callback/x' }, 'invalid_redirect_uri'],
    ['an added query', { redirect_uri: 'http://127.0.0.1:51234/callback?x=1' }, 'invalid_redirect_uri'],
    ['a fragment', { redirect_uri: 'http://127.0.0.1:51234/callback#x' }, 'invalid_redirect_uri'],
    ['localhost instead of 127.0.0.1', { redirect_uri: 'http://localhost:51234/callback' }, 'invalid_redirect_uri'],
    ['https on the loopback address', { redirect_uri: 'https://127.0.0.1:51234/callback' }, 'invalid_redirect_uri'],
    ['an attacker host', { redirect_uri: 'https://evil.example/callback' }, 'invalid_redirect_uri'],
    ['a port that is no port', { redirect_uri: 'http://127.0.0.1:99999/callback' }, 'invalid_redirect_uri'],
    ['userinfo smuggling a host', { redirect_uri: 'http://127.0.0.1@evil.example/callback' }, 'invalid_redirect_uri'],
    ['a custom scheme not exactly as registered', { redirect_uri: `${CUSTOM_SCHEME}/x` }, 'invalid_redirect_uri'],
    ["another client's redirect URI", { redirect_uri: 'http://[::1]/cb' }, 'invalid_redirect_uri'],
  ])('%s: 400 %s, no Location', async (_label, overrides, code) => {
    const response = await getAuthorize(routes, authorizeParams(pkce, overrides).toString());
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    await expectError(response, 400, code);
  });

  it('a repeated client_id or redirect_uri is refused the same way', async () => {
    const params = authorizeParams(pkce);
    params.append('client_id', NATIVE_CLIENT);
    await expectError(await getAuthorize(routes, params.toString()), 400, 'invalid_client');
    const again = authorizeParams(pkce);
    again.append('redirect_uri', 'http://127.0.0.1:51234/callback');
    await expectError(await getAuthorize(routes, again.toString()), 400, 'invalid_redirect_uri');
  });

  it.each([
    ['a loopback URI on another port', { redirect_uri: 'http://127.0.0.1:8/callback' }],
    ['a loopback URI without a port', { redirect_uri: 'http://127.0.0.1/callback' }],
    ['the custom scheme exactly', { redirect_uri: CUSTOM_SCHEME }],
    ['an IPv6 loopback URI on any port', { client_id: OTHER_CLIENT, redirect_uri: 'http://[::1]:40404/cb' }],
  ])('%s is accepted: 303 to the /authorize page with the same query', async (_label, overrides) => {
    const query = authorizeParams(pkce, overrides).toString();
    const response = await getAuthorize(routes, query);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${ORIGIN}/authorize?${query}`);
  });

  it.each([
    ['no response_type', { response_type: undefined }, 'invalid_request'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no code_challenge', { code_challenge: undefined }, 'invalid_request'],
    ['a short code_challenge', { code_challenge: 'abc' }, 'invalid_request'],
    ['code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no code_challenge_method', { code_challenge_method: undefined }, 'invalid_request'],
  ])('%s: redirected to the app with error=%s, state and iss', async (_label, overrides, error) => {
    const response = await getAuthorize(routes, authorizeParams(pkce, overrides).toString());
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:51234/callback');
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('st-8d2f');
    expect(location.searchParams.get('iss')).toBe(ORIGIN);
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('no state: invalid_request at the redirect URI, without a state', async () => {
    const response = await getAuthorize(routes, authorizeParams(pkce, { state: undefined }).toString());
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.has('state')).toBe(false);
  });

  it('a custom-scheme redirect URI keeps its exact form', async () => {
    const response = await getAuthorize(routes, authorizeParams(pkce, { redirect_uri: CUSTOM_SCHEME, response_type: 'token' }).toString());
    expect(response.headers.get('location')).toMatch(/^com\.example\.notes:\/oauth\?error=unsupported_response_type&/);
  });
});

describe('POST /api/auth/authorize: the signed-in user allows or cancels', () => {
  it('Allow: the app receives a code, the state and iss (RFC 9207); the database keeps only its hash', async () => {
    const jar = await browser();
    const pkce = newPkce();
    const query = authorizeParams(pkce).toString();
    const response = await answer(routes, jar, query, 'allow');
    expect(response.status).toBe(200);
    const { redirectTo } = (await response.json()) as { redirectTo: string };
    const url = new URL(redirectTo);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:51234/callback');
    const code = url.searchParams.get('code') ?? '';
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBe('st-8d2f');
    expect(url.searchParams.get('iss')).toBe(ORIGIN);
    const rows = await app.query<{ id: string; client_id: string; code_challenge: string }>('SELECT id, client_id, code_challenge FROM authorization_codes');
    expect(rows.map((row) => row.id)).not.toContain(code);
    expect(rows.some((row) => row.code_challenge === pkce.challenge && row.client_id === NATIVE_CLIENT)).toBe(true);
  });

  it('Cancel: access_denied with the state, and no code', async () => {
    const jar = await browser();
    const response = await answer(routes, jar, authorizeParams(newPkce()).toString(), 'cancel');
    const url = new URL(((await response.json()) as { redirectTo: string }).redirectTo);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('st-8d2f');
    expect(url.searchParams.has('code')).toBe(false);
  });

  it('signed out: 401; from another site: 403; a bad client in the query: 400 and no redirect', async () => {
    const query = authorizeParams(newPkce()).toString();
    await expectError(await answer(routes, new CookieJar(), query, 'allow'), 401, 'unauthenticated');
    const jar = await browser();
    const post = routes.authorize.POST;
    if (!post) throw new TypeError('no POST');
    await expectError(await post(apiRequest('POST', '/api/auth/authorize', { json: { query, decision: 'allow' }, cookies: jar, origin: 'https://evil.example' }), { params: Promise.resolve({}) }), 403, 'forbidden_origin');
    await expectError(await answer(routes, jar, authorizeParams(newPkce(), { client_id: 'nobody' }).toString(), 'allow'), 400, 'invalid_client');
  });

  it("a native app's own access token cannot approve codes for further sessions", async () => {
    const { tokens } = await signedInApp();
    const post = routes.authorize.POST;
    if (!post) throw new TypeError('no POST');
    const response = await post(apiRequest('POST', '/api/auth/authorize', { json: { query: authorizeParams(newPkce()).toString(), decision: 'allow' }, bearer: String(tokens.body.access_token), origin: ORIGIN }), { params: Promise.resolve({}) });
    await expectError(response, 401, 'unauthenticated');
  });
});

describe('grant_type=authorization_code', () => {
  it('200 with exactly the RFC 6749 §5.1 fields; the access token works on /me as Bearer; the session is the app’s', async () => {
    const { tokens, jar } = await signedInApp();
    expect(Object.keys(tokens.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(tokens.body.token_type).toBe('Bearer');
    expect(tokens.body.expires_in).toBe(900);
    expect(tokens.response.headers.get('content-type')).toMatch(/^application\/json/);
    const sid = sidOf(tokens.body.access_token);
    expect(sid).not.toBe(sidOf(jar.get('access_token')));
    expect(String(tokens.body.refresh_token).startsWith(`${sid}.0.`)).toBe(true);
    const response = await me(String(tokens.body.access_token));
    expect(response.status).toBe(200);
    expect(await sessionRow(sid)).toEqual({ client_id: NATIVE_CLIENT, method: 'password', revoked_at: null, revoked_reason: null });
    const events = await app.query<SecurityEventRow>("SELECT * FROM security_events WHERE type = 'sign_in_succeeded' AND session_id = ?", sid);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.detail ?? '{}')).toEqual({ method: 'password', clientId: NATIVE_CLIENT });
  });

  it('a two-factor sign-in: the native session inherits the method of the browser sign-in that approved it', async () => {
    const email = `native-2fa-${counter}@example.com`;
    const account = await registerWithTwoFactor(app, twoFactor, email, PASSWORD);
    advanceClock(30 * SECOND);
    const { response, jar } = await firstStep(app, email, PASSWORD);
    expect(await response.json()).toStrictEqual({ twoFactorRequired: true });
    expect((await secondStep(twoFactor, jar, { code: await codeAt(account.setupKey) })).status).toBe(200);
    const { tokens } = await signedInApp(jar);
    expect((await sessionRow(sidOf(tokens.body.access_token))).method).toBe('password+totp');
  });

  it('works with the custom-scheme redirect URI as well', async () => {
    const jar = await browser();
    const pkce = newPkce();
    const code = await authorizationCode(routes, jar, authorizeParams(pkce, { redirect_uri: CUSTOM_SCHEME }));
    expect((await exchange(routes, code, pkce, { redirect_uri: CUSTOM_SCHEME })).status).toBe(200);
  });

  it.each(['code', 'redirect_uri', 'client_id', 'code_verifier'])('without %s: 400 invalid_request', async (missing) => {
    const jar = await browser();
    const pkce = newPkce();
    const code = await authorizationCode(routes, jar, authorizeParams(pkce));
    const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:51234/callback', client_id: NATIVE_CLIENT, code_verifier: pkce.verifier };
    delete form[missing];
    expectOAuthError(await postForm(routes, 'token', form), 400, 'invalid_request');
    // Nothing was spent: the complete request still works.
    expect((await exchange(routes, code, pkce)).status).toBe(200);
  });

  it('a malformed verifier: 400 invalid_request', async () => {
    const jar = await browser();
    const pkce = newPkce();
    const code = await authorizationCode(routes, jar, authorizeParams(pkce));
    expectOAuthError(await exchange(routes, code, pkce, { code_verifier: 'short' }), 400, 'invalid_request');
  });

  it('an unknown client: 400 invalid_client', async () => {
    const jar = await browser();
    const pkce = newPkce();
    const code = await authorizationCode(routes, jar, authorizeParams(pkce));
    expectOAuthError(await exchange(routes, code, pkce, { client_id: 'com.example.evil' }), 400, 'invalid_client');
  });

  it.each([
    ['a wrong verifier', { code_verifier: newPkce().verifier }],
    ['another registered client', { client_id: OTHER_CLIENT }],
    ['the redirect URI on another port', { redirect_uri: 'http://127.0.0.1:51235/callback' }],
    ['another registered redirect URI', { redirect_uri: CUSTOM_SCHEME }],
  ])('%s: 400 invalid_grant, no session, and the code is used up', async (_label, overrides) => {
    const jar = await browser();
    const pkce = newPkce();
    const code = await authorizationCode(routes, jar, authorizeParams(pkce));
    expectOAuthError(await exchange(routes, code, pkce, overrides), 400, 'invalid_grant');
    expectOAuthError(await exchange(routes, code, pkce), 400, 'invalid_grant');
    const userId = String(jwtPayload(jar.get('access_token') ?? '').sub);
    const rows = await app.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = ? AND client_id IS NOT NULL', userId);
    expect(rows).toEqual([]);
  });

  it('an unknown or forged code: 400 invalid_grant', async () => {
    expectOAuthError(await exchange(routes, 'A'.repeat(43), newPkce()), 400, 'invalid_grant');
    expectOAuthError(await exchange(routes, 'not a code', newPkce()), 400, 'invalid_grant');
  });

  it('a replayed code: 400 invalid_grant, and the session the first exchange created is revoked (RFC 6749 §4.1.2)', async () => {
    const jar = await browser();
    const pkce = newPkce();
    const code = await authorizationCode(routes, jar, authorizeParams(pkce));
    const first = await exchange(routes, code, pkce);
    expect(first.status).toBe(200);
    const sid = sidOf(first.body.access_token);
    advanceClock(5 * SECOND);
    const replay = await exchange(routes, code, pkce);
    expectOAuthError(replay, 400, 'invalid_grant');
    expect(await sessionRow(sid)).toMatchObject({ revoked_reason: 'authorization_code_replayed' });
    expect((await me(String(first.body.access_token))).status).toBe(401);
    expectOAuthError(await refreshGrant(String(first.body.refresh_token)), 400, 'invalid_grant');
    const events = await app.query<SecurityEventRow>("SELECT * FROM security_events WHERE type = 'authorization_code_replayed' AND session_id = ?", sid);
    expect(events).toHaveLength(1);
    // The browser that approved it is untouched.
    expect((await app.send('me', 'GET', { cookies: jar })).status).toBe(200);
  });

  it('a code lives 60 seconds: at 59 s it works, at 60 s it is invalid_grant', async () => {
    const jar = await browser();
    const late = newPkce();
    const lateCode = await authorizationCode(routes, jar, authorizeParams(late));
    const inTime = newPkce();
    const inTimeCode = await authorizationCode(routes, jar, authorizeParams(inTime));
    advanceClock(59 * SECOND);
    expect((await exchange(routes, inTimeCode, inTime)).status).toBe(200);
    advanceClock(1 * SECOND);
    expectOAuthError(await exchange(routes, lateCode, late), 400, 'invalid_grant');
  });

  it('an unsupported grant type: 400 unsupported_grant_type; a JSON body: 400 invalid_request', async () => {
    expectOAuthError(await postForm(routes, 'token', { grant_type: 'password', username: 'a', password: 'b' }), 400, 'unsupported_grant_type');
    const post = routes.token.POST;
    if (!post) throw new TypeError('no POST');
    const response = await post(apiRequest('POST', '/api/auth/token', { json: { grant_type: 'authorization_code' } }), { params: Promise.resolve({}) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('grant_type=refresh_token: the same rotation, grace and reuse rules as the cookie', () => {
  it('rotates: a new pair, the old token still answers within the grace window with the same successor', async () => {
    const { tokens } = await signedInApp();
    const first = String(tokens.body.refresh_token);
    advanceClock(SECOND);
    const rotated = await refreshGrant(first);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    const second = String(rotated.body.refresh_token);
    expect(second).not.toBe(first);
    expect(sidOf(rotated.body.access_token)).toBe(sidOf(tokens.body.access_token));
    advanceClock(2 * SECOND);
    const grace = await refreshGrant(first);
    expect(grace.status).toBe(200);
    expect(grace.body.refresh_token).toBe(second);
    expect((await me(String(rotated.body.access_token))).status).toBe(200);
  });

  it('reuse after the grace window revokes the whole session', async () => {
    const { tokens } = await signedInApp();
    const first = String(tokens.body.refresh_token);
    const rotated = await refreshGrant(first);
    advanceClock(11 * SECOND);
    expectOAuthError(await refreshGrant(first), 400, 'invalid_grant');
    const sid = sidOf(tokens.body.access_token);
    expect((await sessionRow(sid)).revoked_reason).toBe('refresh_token_reused');
    expectOAuthError(await refreshGrant(String(rotated.body.refresh_token)), 400, 'invalid_grant');
  });

  it("bound to its client: another app's client_id is refused and revokes nothing; an unknown client_id is invalid_client", async () => {
    const { tokens } = await signedInApp();
    const token = String(tokens.body.refresh_token);
    expectOAuthError(await refreshGrant(token, OTHER_CLIENT), 400, 'invalid_grant');
    expectOAuthError(await refreshGrant(token, 'com.example.evil'), 400, 'invalid_client');
    expect((await refreshGrant(token)).status).toBe(200);
  });

  it("a browser's refresh cookie is refused at the token endpoint, and an app's refresh token at the cookie refresh", async () => {
    const jar = await browser();
    expectOAuthError(await refreshGrant(jar.get('refresh_token') ?? ''), 400, 'invalid_grant');
    const { tokens } = await signedInApp(jar);
    await expectError(await app.send('refresh', 'POST', { cookies: { refresh_token: String(tokens.body.refresh_token) } }), 401, 'invalid_refresh_token');
    // Neither refusal ended anything.
    expect((await app.send('refresh', 'POST', { cookies: jar })).status).toBe(200);
    expect((await refreshGrant(String(tokens.body.refresh_token))).status).toBe(200);
  });

  it('without refresh_token or client_id: 400 invalid_request; garbage: invalid_grant', async () => {
    expectOAuthError(await postForm(routes, 'token', { grant_type: 'refresh_token', client_id: NATIVE_CLIENT }), 400, 'invalid_request');
    expectOAuthError(await postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: 'x' }), 400, 'invalid_request');
    expectOAuthError(await refreshGrant('garbage'), 400, 'invalid_grant');
  });
});

describe('POST /api/auth/revoke (RFC 7009)', () => {
  const revoke = (form: Record<string, string>) => postForm(routes, 'revoke', form);

  it('a refresh token: 200 with no body, and its session ends (recorded)', async () => {
    const { tokens } = await signedInApp();
    const result = await revoke({ token: String(tokens.body.refresh_token), token_type_hint: 'refresh_token', client_id: NATIVE_CLIENT });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({});
    const sid = sidOf(tokens.body.access_token);
    expect((await sessionRow(sid)).revoked_reason).toBe('revoked_by_client');
    expectOAuthError(await refreshGrant(String(tokens.body.refresh_token)), 400, 'invalid_grant');
    expect((await me(String(tokens.body.access_token))).status).toBe(401);
    const events = await app.query<SecurityEventRow>("SELECT * FROM security_events WHERE type = 'session_revoked' AND session_id = ?", sid);
    expect(events).toHaveLength(1);
    // Already revoked: the same answer.
    expect((await revoke({ token: String(tokens.body.refresh_token), client_id: NATIVE_CLIENT })).status).toBe(200);
  });

  it('an access token ends its session too (documented choice: access tokens cannot be revoked one by one)', async () => {
    const { tokens } = await signedInApp();
    expect((await revoke({ token: String(tokens.body.access_token), token_type_hint: 'access_token', client_id: NATIVE_CLIENT })).status).toBe(200);
    expect((await sessionRow(sidOf(tokens.body.access_token))).revoked_reason).toBe('revoked_by_client');
  });

  it("unknown tokens, another app's and a browser's: 200 all the same, and nothing ends", async () => {
    const { tokens, jar } = await signedInApp();
    for (const token of ['nonsense', 'A'.repeat(22) + '.0.' + 'B'.repeat(43), String(tokens.body.refresh_token)]) {
      const result = await revoke({ token, client_id: token === String(tokens.body.refresh_token) ? OTHER_CLIENT : NATIVE_CLIENT });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({});
    }
    expect((await revoke({ token: jar.get('refresh_token') ?? '', client_id: NATIVE_CLIENT })).status).toBe(200);
    expect((await sessionRow(sidOf(tokens.body.access_token))).revoked_at).toBeNull();
    expect((await sessionRow(sidOf(jar.get('access_token')))).revoked_at).toBeNull();
  });

  it('no token: invalid_request; an unknown client: invalid_client; an unknown hint: unsupported_token_type', async () => {
    expectOAuthError(await revoke({ client_id: NATIVE_CLIENT }), 400, 'invalid_request');
    expectOAuthError(await revoke({ token: 'x', client_id: 'com.example.evil' }), 400, 'invalid_client');
    expectOAuthError(await revoke({ token: 'x', client_id: NATIVE_CLIENT, token_type_hint: 'id_token' }), 400, 'unsupported_token_type');
  });
});

describe('the account page', () => {
  it("lists the app's session with the app's name", async () => {
    const { tokens, jar } = await signedInApp();
    const response = await app.send('me', 'GET', { cookies: jar });
    expect(response.status).toBe(200);
    const { listAccountSessions } = await import('@/lib/auth/list-sessions');
    const { getAuthDeps } = await import('@/lib/auth/deps');
    const { store } = await getAuthDeps();
    const sessions = await listAccountSessions(store, { user: { id: String(jwtPayload(jar.get('access_token') ?? '').sub) }, session: { id: sidOf(jar.get('access_token')) } }, Date.now());
    const native = sessions.find((session) => session.id === sidOf(tokens.body.access_token));
    expect(native).toMatchObject({ clientId: NATIVE_CLIENT, current: false });
  });
});
