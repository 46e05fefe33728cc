/**
 * Sign-in with an OpenID Connect provider (contract "Sign-in with other providers and by email
 * link"; checklist K66, K67) against a REAL provider: oidc-provider on 127.0.0.1, driven over HTTP
 * as a browser would (tests/support/oidc-issuer.ts). Nothing of the protocol is mocked.
 *
 * - The first sign-in creates the account (verified as the provider says, no password), the second
 *   finds it; sessions record `oidc:<id>`.
 * - Linking by email only when the provider says verified AND the account is verified.
 * - Tampered state, a forged or missing flow cookie, a replayed code, an ID token with another
 *   nonce, for another audience, or checked against keys that did not sign it: refused, nothing
 *   created.
 * - Connect / Disconnect, and the last way to sign in can never be removed.
 * - A provider that is down: a page that says so, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type SecurityEventRow, type TestApp } from '../support/app';
import { PASSWORD } from '../support/env';
import { apiRequest, CookieJar, expectError, ORIGIN, type RequestOptions } from '../support/http';
import { startMailSink, unusedSmtpUrl, type MailSink } from '../support/mail';
import { settled } from '../support/mail-app';
import { authorize, foreignJwks, startTestIssuer, type TestIssuer } from '../support/oidc-issuer';

const SECRET = 'test-client-secret-0123456789abcdef';
const callbackOf = (id: string) => `${ORIGIN}/api/auth/oauth/${id}/callback`;

let issuer: TestIssuer;
let sink: MailSink;
let app: TestApp;
/** A route handler under `[provider]`, as Next.js calls it. */
type Handler = (request: Request, context: { params: Promise<{ provider: string }> }) => Promise<Response>;

let startRoute: Record<'POST' | 'GET', Handler>;
let callbackRoute: Record<'GET' | 'POST', Handler>;
let connections: Record<'POST' | 'DELETE' | 'GET', Handler>;

beforeAll(async () => {
  issuer = await startTestIssuer({
    clients: [
      { client_id: 'app', client_secret: SECRET, redirect_uris: ['test', 'fresh'].map(callbackOf) },
      { client_id: 'other-app', client_secret: SECRET, redirect_uris: [callbackOf('other')] },
    ],
    accounts: [],
  });
  sink = await startMailSink();
  app = await startApp({
    SMTP_URL: sink.url,
    OIDC_TEST_ISSUER: issuer.issuer,
    OIDC_TEST_CLIENT_ID: 'app',
    OIDC_TEST_CLIENT_SECRET: SECRET,
    OIDC_TEST_NAME: 'Test IdP',
    // The same client at the same issuer under another id: its JWKS cache starts empty.
    OIDC_FRESH_ISSUER: issuer.issuer,
    OIDC_FRESH_CLIENT_ID: 'app',
    OIDC_FRESH_CLIENT_SECRET: SECRET,
    // Another client of the same provider: its ID tokens have another audience.
    OIDC_OTHER_ISSUER: issuer.issuer,
    OIDC_OTHER_CLIENT_ID: 'other-app',
    OIDC_OTHER_CLIENT_SECRET: SECRET,
    // Nobody listens there.
    OIDC_DOWN_ISSUER: (await unusedSmtpUrl()).replace('smtp:', 'http:'),
    OIDC_DOWN_CLIENT_ID: 'app',
    OIDC_DOWN_CLIENT_SECRET: SECRET,
  });
  startRoute = (await import('@/app/api/auth/oauth/[provider]/route'));
  callbackRoute = (await import('@/app/api/auth/oauth/[provider]/callback/route'));
  connections = (await import('@/app/api/auth/connections/[provider]/route'));
  // PostgreSQL migrates on first use: before the tests count rows.
  await (await (await import('@/lib/auth/deps')).getAuthDeps()).store.ready();
});

afterAll(async () => {
  await issuer?.close();
  await sink?.close();
});

/** Calls a dynamic route with its `[provider]` param; every answer must say `no-store`. */
async function callRoute(handler: Handler, request: Request, provider: string): Promise<Response> {
  const response = await handler(request, { params: Promise.resolve({ provider }) });
  expect(response.headers.get('cache-control')).toBe('no-store');
  return response;
}

const countUsers = async () => Number((await app.query<{ n: number | string }>('SELECT count(*) AS n FROM users'))[0]?.n);
const countSessions = async () => Number((await app.query<{ n: number | string }>('SELECT count(*) AS n FROM sessions'))[0]?.n);
const userByEmail = async (email: string) => (await app.query<{ id: string; password_hash: string; email_verified_at: number | null }>('SELECT id, password_hash, email_verified_at FROM users WHERE email = ?', email))[0];

interface Started {
  /** The provider's authorization URL. */
  url: URL;
  /** This browser's cookies at the app (the flow cookie added). */
  jar: CookieJar;
}

/** `Sign in with <Name>`: the POST that sends the browser to the provider. */
async function start(provider: string, jar = new CookieJar(), next?: string): Promise<Started> {
  const options = next === undefined ? {} : { json: { next } };
  const response = await callRoute(startRoute.POST, apiRequest('POST', `/api/auth/oauth/${provider}`, { origin: ORIGIN, cookies: jar, ...options }), provider);
  expect(response.status).toBe(200);
  const { url } = (await response.json()) as { url: string };
  return { url: new URL(url), jar: jar.apply(response) };
}

/** The provider's redirect arriving at the app's callback with this browser's cookies. */
async function callback(provider: string, back: URL, jar: CookieJar): Promise<{ response: Response; location: URL; jar: CookieJar }> {
  const response = await callRoute(callbackRoute.GET, apiRequest('GET', `${back.pathname}${back.search}`, { cookies: jar }), provider);
  expect(response.status).toBe(303);
  return { response, location: new URL(response.headers.get('location') ?? ''), jar: jar.clone().apply(response) };
}

/** The whole flow in one browser, signing in at the provider as `login`. */
async function signInWith(provider: string, login: string, jar = new CookieJar(), next?: string) {
  const started = await start(provider, jar, next);
  const back = await authorize(started.url.toString(), login);
  expect(back.origin + back.pathname).toBe(callbackOf(provider));
  return { ...(await callback(provider, back, started.jar)), back, started };
}

const me = (jar: CookieJar) => app.send('me', 'GET', { cookies: jar });
const refusedEvents = async () => (await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE type = ? ORDER BY at, id', 'oauth_refused')).map((row) => JSON.parse(row.detail ?? '{}') as { reason: string });

describe('the authorization request', () => {
  it('uses the code flow with PKCE S256, state and nonce, the exact redirect URI, and a sealed HttpOnly SameSite=Lax flow cookie', async () => {
    const { url, jar } = await start('test', new CookieJar(), '/account');
    expect(url.origin).toBe(issuer.issuer);
    const params = url.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe('app');
    expect(params.get('redirect_uri')).toBe(callbackOf('test'));
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')?.length).toBeGreaterThanOrEqual(43);
    expect(params.get('nonce')?.length).toBeGreaterThanOrEqual(43);
    expect(params.get('scope')).toBe('openid email profile');
    const value = jar.get('oauth_flow') ?? '';
    // A JWE: nothing of the verifier, state or nonce readable in it.
    expect(value.split('.')).toHaveLength(5);
    for (const secret of [params.get('state'), params.get('nonce')]) expect(value).not.toContain(secret);
  });

  it('sets the flow cookie HttpOnly, SameSite=Lax, Path=/, 10 minutes', async () => {
    const response = await callRoute(startRoute.POST, apiRequest('POST', '/api/auth/oauth/test', { origin: ORIGIN }), 'test');
    const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('oauth_flow=')) ?? '';
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=lax/i);
    expect(line).toMatch(/Path=\//);
    expect(line).toMatch(/Max-Age=600/);
  });

  it('refuses another site, GET, and an unknown provider', async () => {
    await expectError(await callRoute(startRoute.POST, apiRequest('POST', '/api/auth/oauth/test', { origin: 'https://evil.example' }), 'test'), 403, 'forbidden_origin');
    await expectError(await callRoute(startRoute.GET, apiRequest('GET', '/api/auth/oauth/test'), 'test'), 405, 'method_not_allowed');
    await expectError(await callRoute(startRoute.POST, apiRequest('POST', '/api/auth/oauth/nope', { origin: ORIGIN }), 'nope'), 404, 'not_found');

  });

  it('a provider that is down: 503 provider_unavailable (the page shows its message), no 500, nothing stored', async () => {
    const users = await countUsers();
    const response = await callRoute(startRoute.POST, apiRequest('POST', '/api/auth/oauth/down', { origin: ORIGIN }), 'down');
    expect(response.headers.getSetCookie()).toEqual([]);
    await expectError(response, 503, 'provider_unavailable');
    expect(await countUsers()).toBe(users);
  });
});

describe('first and later sign-ins', () => {
  it('the first sign-in creates a verified account without a password; the second finds it; sessions say oidc:test', async () => {
    issuer.accounts.set('alice-sub', { sub: 'alice-sub', email: 'Alice@Example.com', email_verified: true, name: 'Alice' });
    const first = await signInWith('test', 'alice-sub', new CookieJar(), '/account');
    expect(first.location.toString()).toBe(`${ORIGIN}/account`);
    expect(first.jar.get('oauth_flow')).toBeUndefined();
    const body = (await (await me(first.jar)).json()) as { user: { email: string; name: string; emailVerified: boolean } };
    expect(body.user).toMatchObject({ email: 'alice@example.com', name: 'Alice', emailVerified: true });
    const user = await userByEmail('alice@example.com');
    // No password: the column's "none" ('' , never a hash).
    expect(user?.password_hash).toBe('');
    expect(await app.query('SELECT provider, subject, email FROM linked_identities WHERE user_id = ?', user?.id)).toEqual([{ provider: 'test', subject: 'alice-sub', email: 'alice@example.com' }]);

    const second = await signInWith('test', 'alice-sub');
    expect(second.location.toString()).toBe(`${ORIGIN}/dashboard`);
    expect(await countUsers()).toBe(await countUsers());
    expect((await app.query('SELECT id FROM users WHERE email = ?', 'alice@example.com')).length).toBe(1);
    const methods = await app.query<{ method: string }>('SELECT method FROM sessions WHERE user_id = ?', user?.id);
    expect(methods.map((row) => row.method)).toEqual(['oidc:test', 'oidc:test']);
    const events = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? ORDER BY at, id', user?.id);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['user_registered', 'oauth_linked', 'sign_in_succeeded']));
    expect(events.filter((event) => event.type === 'sign_in_succeeded').map((event) => JSON.parse(event.detail ?? '{}'))).toEqual([{ method: 'oidc:test' }, { method: 'oidc:test' }]);

    // No password to sign in with: the same 401 as a wrong password.
    await expectError((await app.signIn('alice@example.com', PASSWORD)).response, 401, 'invalid_credentials');
  });

  it('an off-site next is replaced by the default, as on /login', async () => {
    for (const next of ['https://evil.example/x', '//evil.example', '/\\evil.example']) {
      const { location } = await signInWith('test', 'alice-sub', new CookieJar(), next);
      expect(location.toString()).toBe(`${ORIGIN}/dashboard`);
    }
  });

  it('an unverified provider email creates an unverified account and mails a verification link', async () => {
    issuer.accounts.set('uma-sub', { sub: 'uma-sub', email: 'uma@example.com', email_verified: false });
    const { location, jar } = await signInWith('test', 'uma-sub');
    expect(location.pathname).toBe('/dashboard');
    expect(((await (await me(jar)).json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(false);
    await settled();
    await sink.waitFor('uma@example.com', 'Verify your email');
  });

  it('a provider without an email for the person is refused, nothing created', async () => {
    issuer.accounts.set('nomail-sub', { sub: 'nomail-sub' });
    const users = await countUsers();
    const { location } = await signInWith('test', 'nomail-sub');
    expect(location.toString()).toBe(`${ORIGIN}/login?oauth_error=oauth_email_missing`);
    expect(await countUsers()).toBe(users);
  });
});

describe('linking by email (checklist K67)', () => {
  it('links to an existing account only when the provider and the account both say verified', async () => {
    // Account verified (by an email link) and provider verified: linked, signed in to that account.
    const { jar: registered } = await app.signUp('both@example.com', PASSWORD);
    const owner = await userByEmail('both@example.com');
    await app.query('UPDATE users SET email_verified_at = ? WHERE id = ?', Date.now(), owner?.id);
    issuer.accounts.set('both-sub', { sub: 'both-sub', email: 'both@example.com', email_verified: true });
    const linked = await signInWith('test', 'both-sub');
    expect(linked.location.pathname).toBe('/dashboard');
    expect(((await (await me(linked.jar)).json()) as { user: { id: string } }).user.id).toBe(owner?.id);
    expect(await app.query('SELECT subject FROM linked_identities WHERE user_id = ?', owner?.id)).toEqual([{ subject: 'both-sub' }]);
    // The password still works too.
    expect((await app.signIn('both@example.com', PASSWORD)).response.status).toBe(200);
    expect(registered.get('access_token')).toBeDefined();
  });

  it('refuses when the provider does not say verified, with the way forward, and takes nothing over', async () => {
    await app.signUp('victim@example.com', PASSWORD);
    const victim = await userByEmail('victim@example.com');
    await app.query('UPDATE users SET email_verified_at = ? WHERE id = ?', Date.now(), victim?.id);
    issuer.accounts.set('attacker-sub', { sub: 'attacker-sub', email: 'victim@example.com', email_verified: false });
    const sessions = await countSessions();
    const { location, jar } = await signInWith('test', 'attacker-sub');
    expect(location.toString()).toBe(`${ORIGIN}/login?oauth_error=oauth_account_exists`);
    expect(jar.get('access_token')).toBeUndefined();
    expect(await countSessions()).toBe(sessions);
    expect(await app.query('SELECT subject FROM linked_identities WHERE user_id = ?', victim?.id)).toEqual([]);
    expect((await refusedEvents()).at(-1)?.reason).toBe('provider_email_unverified');
  });

  it('refuses when the account email is not verified, even if the provider says verified', async () => {
    await app.signUp('squatted@example.com', PASSWORD);
    const squatted = await userByEmail('squatted@example.com');
    expect(squatted?.email_verified_at).toBeNull();
    issuer.accounts.set('real-owner-sub', { sub: 'real-owner-sub', email: 'squatted@example.com', email_verified: true });
    const { location } = await signInWith('test', 'real-owner-sub');
    expect(location.toString()).toBe(`${ORIGIN}/login?oauth_error=oauth_account_exists`);
    expect(await app.query('SELECT subject FROM linked_identities WHERE user_id = ?', squatted?.id)).toEqual([]);
    expect((await refusedEvents()).at(-1)?.reason).toBe('account_email_unverified');
  });
});

describe('attacks on the callback (checklist K66): refused, nothing created', () => {
  /** Runs `attempt`, then checks that no account, session or link appeared and the browser got no auth cookie. */
  async function expectRefused(attempt: () => Promise<{ location: URL; jar: CookieJar }>, reason: RegExp): Promise<void> {
    const before = { users: await countUsers(), sessions: await countSessions(), links: (await app.query('SELECT subject FROM linked_identities')).length };
    const { location, jar } = await attempt();
    expect(location.toString()).toBe(`${ORIGIN}/login?oauth_error=oauth_failed`);
    expect(jar.get('access_token')).toBeUndefined();
    expect(jar.get('refresh_token')).toBeUndefined();
    expect({ users: await countUsers(), sessions: await countSessions(), links: (await app.query('SELECT subject FROM linked_identities')).length }).toEqual(before);
    expect((await refusedEvents()).at(-1)?.reason).toMatch(reason);
  }

  it('a tampered state', async () => {
    issuer.accounts.set('mallory-sub', { sub: 'mallory-sub', email: 'mallory@example.com', email_verified: true });
    await expectRefused(async () => {
      const started = await start('test');
      const back = await authorize(started.url.toString(), 'mallory-sub');
      back.searchParams.set('state', `${back.searchParams.get('state') ?? ''}x`);
      return callback('test', back, started.jar);
    }, /state/);
  });

  it("another browser's callback (login CSRF): no flow cookie, or a flow cookie of another flow", async () => {
    await expectRefused(async () => {
      const started = await start('test');
      const back = await authorize(started.url.toString(), 'mallory-sub');
      return callback('test', back, new CookieJar());
    }, /flow_cookie/);
    await expectRefused(async () => {
      const victim = await start('test');
      const attacker = await start('test');
      const back = await authorize(attacker.url.toString(), 'mallory-sub');
      return callback('test', back, victim.jar);
    }, /state/);
  });

  it('a forged or altered flow cookie', async () => {
    await expectRefused(async () => {
      const started = await start('test');
      const back = await authorize(started.url.toString(), 'mallory-sub');
      const value = started.jar.get('oauth_flow') ?? '';
      const altered = `${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
      return callback('test', back, new CookieJar({ oauth_flow: altered }));
    }, /flow_cookie/);
    await expectRefused(async () => {
      // A flow started for one provider cannot finish at another's callback.
      const started = await start('fresh');
      const back = await authorize(started.url.toString(), 'mallory-sub');
      return callback('test', new URL(back.toString().replace('/fresh/', '/test/')), started.jar);
    }, /flow_cookie/);
  });

  it('a replayed code (the same callback twice)', async () => {
    issuer.accounts.set('replay-sub', { sub: 'replay-sub', email: 'replay@example.com', email_verified: true });
    const started = await start('test');
    const back = await authorize(started.url.toString(), 'replay-sub');
    const first = await callback('test', back, started.jar);
    expect(first.location.pathname).toBe('/dashboard');
    await expectRefused(() => callback('test', back, started.jar), /invalid_grant/);
  });

  it('an ID token with another nonce (a real one from an earlier flow of this client)', async () => {
    issuer.accounts.set('nonce-sub', { sub: 'nonce-sub', email: 'nonce@example.com', email_verified: true });
    await signInWith('test', 'nonce-sub');
    const earlier = issuer.issuedIdTokens.get('app')?.at(-1) ?? null;
    expect(earlier).not.toBeNull();
    await expectRefused(async () => {
      const started = await start('test');
      const back = await authorize(started.url.toString(), 'nonce-sub');
      issuer.substituteIdToken = earlier;
      return callback('test', back, started.jar);
    }, /nonce/);
  });

  it('an ID token for another audience (a real one issued to another client of the provider)', async () => {
    issuer.accounts.set('aud-sub', { sub: 'aud-sub', email: 'aud@example.com', email_verified: true });
    await signInWith('other', 'aud-sub');
    const forOther = issuer.issuedIdTokens.get('other-app')?.at(-1) ?? null;
    expect(forOther).not.toBeNull();
    await app.query('DELETE FROM linked_identities WHERE subject = ?', 'aud-sub');
    await app.query('DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email = ?)', 'aud@example.com');
    await app.query('DELETE FROM users WHERE email = ?', 'aud@example.com');
    await expectRefused(async () => {
      const started = await start('test');
      const back = await authorize(started.url.toString(), 'aud-sub');
      issuer.substituteIdToken = forOther;
      return callback('test', back, started.jar);
    }, /aud/);
  });

  it('an ID token whose signature does not verify with the keys at the JWKS URI', async () => {
    issuer.accounts.set('key-sub', { sub: 'key-sub', email: 'key@example.com', email_verified: true });
    issuer.servedJwks = await foreignJwks();
    try {
      await expectRefused(async () => {
        const started = await start('fresh');
        const back = await authorize(started.url.toString(), 'key-sub');
        return callback('fresh', back, started.jar);
      }, /signature/);
    } finally {
      issuer.servedJwks = null;
    }
  });

  it('the provider saying access_denied (the person cancelled)', async () => {
    const started = await start('test');
    const state = started.url.searchParams.get('state') ?? '';
    const back = new URL(`${callbackOf('test')}?error=access_denied&state=${state}&iss=${encodeURIComponent(issuer.issuer)}`);
    const { location } = await callback('test', back, started.jar);
    expect(location.toString()).toBe(`${ORIGIN}/login?oauth_error=oauth_cancelled`);
  });
});

describe('Connected accounts: Connect and Disconnect', () => {
  const connect = (provider: string, jar: CookieJar, options: RequestOptions = {}) => callRoute(connections.POST, apiRequest('POST', `/api/auth/connections/${provider}`, { origin: ORIGIN, cookies: jar, ...options }), provider);
  const disconnect = (provider: string, jar: CookieJar) => callRoute(connections.DELETE, apiRequest('DELETE', `/api/auth/connections/${provider}`, { origin: ORIGIN, cookies: jar }), provider);

  it('a password account connects a provider (whatever its email), signs in with it, then disconnects it', async () => {
    const { jar } = await app.signUp('connector@example.com', PASSWORD);
    const owner = await userByEmail('connector@example.com');
    issuer.accounts.set('connector-sub', { sub: 'connector-sub', email: 'someone-else@example.com', email_verified: false });
    const response = await connect('test', jar);
    expect(response.status).toBe(200);
    const { url } = (await response.json()) as { url: string };
    const withFlow = jar.clone().apply(response);
    const back = await authorize(url, 'connector-sub');
    const done = await callback('test', back, withFlow);
    expect(done.location.toString()).toBe(`${ORIGIN}/account?connected=1`);
    expect(await app.query('SELECT subject FROM linked_identities WHERE user_id = ? AND provider = ?', owner?.id, 'test')).toEqual([{ subject: 'connector-sub' }]);
    const linked = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? AND type = ?', owner?.id, 'oauth_linked');
    expect(linked).toHaveLength(1);

    const viaProvider = await signInWith('test', 'connector-sub');
    expect(((await (await me(viaProvider.jar)).json()) as { user: { id: string } }).user.id).toBe(owner?.id);

    // A password remains, so the provider can go.
    expect((await disconnect('test', jar)).status).toBe(204);
    expect(await app.query('SELECT subject FROM linked_identities WHERE user_id = ?', owner?.id)).toEqual([]);
    expect(await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? AND type = ?', owner?.id, 'oauth_unlinked')).toHaveLength(1);
    await expectError(await disconnect('test', jar), 404, 'not_found');
  });

  it('the last way to sign in cannot be disconnected (409 last_sign_in_method); with a second provider it can', async () => {
    issuer.accounts.set('solo-sub', { sub: 'solo-sub', email: 'solo@example.com', email_verified: true });
    const { jar } = await signInWith('test', 'solo-sub');
    await expectError(await disconnect('test', jar), 409, 'last_sign_in_method');
    const owner = await userByEmail('solo@example.com');
    expect(await app.query('SELECT provider FROM linked_identities WHERE user_id = ?', owner?.id)).toEqual([{ provider: 'test' }]);

    const response = await connect('other', jar);
    const back = await authorize(((await response.json()) as { url: string }).url, 'solo-sub');
    expect((await callback('other', back, jar.clone().apply(response))).location.toString()).toBe(`${ORIGIN}/account?connected=1`);
    expect((await disconnect('test', jar)).status).toBe(204);
    await expectError(await disconnect('other', jar), 409, 'last_sign_in_method');
  });

  it("refuses to connect an identity that belongs to another account, and a flow whose session ended", async () => {
    const { jar } = await app.signUp('second@example.com', PASSWORD);
    const response = await connect('test', jar);
    const back = await authorize(((await response.json()) as { url: string }).url, 'alice-sub');
    expect((await callback('test', back, jar.clone().apply(response))).location.toString()).toBe(`${ORIGIN}/account?oauth_error=oauth_identity_taken`);

    issuer.accounts.set('late-sub', { sub: 'late-sub', email: 'late@example.com', email_verified: true });
    const started = await connect('test', jar);
    const flowJar = jar.clone().apply(started);
    expect((await app.send('logout', 'POST', { cookies: jar.clone(), origin: ORIGIN })).status).toBe(204);
    const late = await authorize(((await started.json()) as { url: string }).url, 'late-sub');
    expect((await callback('test', late, flowJar)).location.toString()).toBe(`${ORIGIN}/account?oauth_error=signed_out`);
    expect(await app.query('SELECT subject FROM linked_identities WHERE subject = ?', 'late-sub')).toEqual([]);
  });

  it('needs a signed-in caller and the Origin rule', async () => {
    await expectError(await connect('test', new CookieJar()), 401, 'unauthenticated');
    const { jar } = await app.signUp('origin@example.com', PASSWORD);
    await expectError(await connect('test', jar, { origin: 'https://evil.example' }), 403, 'forbidden_origin');
    await expectError(await connect('nope', jar), 404, 'not_found');
  });
});

describe('two-factor accounts (contract: "an account with two-factor on still needs its second factor")', () => {
  it('a provider sign-in sets no auth cookie, only the challenge, and lands on /login for the code; the code completes it as oidc:test+totp', async () => {
    const { codeAt, loadTwoFactorRoutes, secondStep, challengeName } = await import('../support/two-factor');
    const send = await loadTwoFactorRoutes();
    issuer.accounts.set('tf-sub', { sub: 'tf-sub', email: 'tf-provider@example.com', email_verified: true, name: 'Two Factor' });
    const first = await signInWith('test', 'tf-sub');
    // Turned on from that session (a valid code is the proof: the account has no password).
    const setup = await send('setup', { cookies: first.jar, origin: ORIGIN });
    expect(setup.status).toBe(200);
    const { setupKey } = (await setup.json()) as { setupKey: string };
    expect((await send('enable', { cookies: first.jar, origin: ORIGIN, json: { code: await codeAt(setupKey) } })).status).toBe(200);

    const sessionsBefore = await countSessions();
    const again = await signInWith('test', 'tf-sub', new CookieJar(), '/account');
    expect(again.location.pathname).toBe('/login');
    expect(again.location.searchParams.get('second_step')).toBe('1');
    expect(again.location.searchParams.get('next')).toBe('/account');
    const names = again.response.headers.getSetCookie().map((line) => line.split('=', 1)[0]);
    expect(names).toContain(challengeName());
    expect(names).not.toContain('access_token');
    expect(names).not.toContain('refresh_token');
    expect(await countSessions()).toBe(sessionsBefore);
    await expectError(await me(again.jar), 401, 'unauthenticated');

    // The code of the next step (replay protection refuses the one that turned it on).
    const done = await secondStep(send, again.jar, { code: await codeAt(setupKey, Date.now() + 30_000) });
    expect(done.status).toBe(200);
    expect(((await (await me(again.jar)).json()) as { user: { email: string } }).user.email).toBe('tf-provider@example.com');
    const user = await userByEmail('tf-provider@example.com');
    const methods = await app.query<{ method: string }>('SELECT method FROM sessions WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC', user?.id);
    expect(methods.map((row) => row.method)).toContain('oidc:test+totp');
  });

  it('a challenge issued after one provider cannot be passed off as another: the factor is part of its MAC', async () => {
    const { codeAt, loadTwoFactorRoutes, secondStep, challengeName } = await import('../support/two-factor');
    const send = await loadTwoFactorRoutes();
    issuer.accounts.set('tf2-sub', { sub: 'tf2-sub', email: 'tf-provider-2@example.com', email_verified: true });
    const first = await signInWith('test', 'tf2-sub');
    const { setupKey } = (await (await send('setup', { cookies: first.jar, origin: ORIGIN })).json()) as { setupKey: string };
    expect((await send('enable', { cookies: first.jar, origin: ORIGIN, json: { code: await codeAt(setupKey) } })).status).toBe(200);
    const again = await signInWith('test', 'tf2-sub');
    const value = again.jar.get(challengeName()) ?? '';
    expect(value.startsWith('oidc-test.')).toBe(true);
    const forged = new CookieJar({ [challengeName()]: value.replace('oidc-test.', 'oidc-fresh.') });
    await expectError(await secondStep(send, forged, { code: await codeAt(setupKey, Date.now() + 30_000) }), 401, 'invalid_challenge');
  });
});
