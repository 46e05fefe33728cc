/**
 * Issue 9, "Cookies and sessions", against the real route handlers: one cookie reader (a name sent
 * twice is absent), a response clears only the auth cookies its request carried, and signing in
 * again ends the session of the refresh cookie the browser still carried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type SecurityEventRow, type SessionRow, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, T0 } from '../support/env';
import { apiRequest, type CookieJar, expectAuthCookie, expectError, jwtPayload, ORIGIN, setCookies, type RequestOptions } from '../support/http';

type Handler = (request: Request, context: { params: Promise<Record<string, never>> }) => Promise<Response>;

let app: TestApp;
let sessionsList: Handler;
let sessionItem: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;
let counter = 0;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  const list: { GET: Handler } = await import('@/app/api/auth/sessions/route');
  sessionsList = list.GET;
  const item: { DELETE: typeof sessionItem } = await import('@/app/api/auth/sessions/[id]/route');
  sessionItem = item.DELETE;
});

afterAll(() => {
  restoreClock();
});

async function newUser(): Promise<{ email: string; jar: CookieJar }> {
  counter += 1;
  const email = `cookies${counter}@example.com`;
  return { email, jar: (await app.signUp(email, PASSWORD)).jar };
}

const sessionIdOf = (jar: CookieJar) => String(jwtPayload(jar.get('access_token') ?? '').sid);
const sessionRow = async (id: string) => (await app.query<SessionRow>('SELECT * FROM sessions WHERE id = ?', id))[0];

async function listSessions(options: RequestOptions): Promise<Response> {
  return sessionsList(apiRequest('GET', '/api/auth/sessions', options), { params: Promise.resolve({}) });
}

describe('one reader: a cookie name sent more than once is absent', () => {
  it('GET /api/auth/me with the access cookies of two users answers 401 unauthenticated, in either order', async () => {
    const a = await newUser();
    const b = await newUser();
    const [tokenA, tokenB] = [a.jar.get('access_token') ?? '', b.jar.get('access_token') ?? ''];
    // Sanity: each alone is signed in.
    expect((await app.send('me', 'GET', { cookies: `access_token=${tokenA}` })).status).toBe(200);
    expect((await app.send('me', 'GET', { cookies: `access_token=${tokenB}` })).status).toBe(200);
    for (const cookie of [`access_token=${tokenA}; access_token=${tokenB}`, `access_token=${tokenB}; theme=x; access_token=${tokenA}`]) {
      const response = await app.send('me', 'GET', { cookies: cookie });
      await expectError(response, 401, 'unauthenticated');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    // The same token twice is still ambiguous to the reader: no rule picks one.
    await expectError(await app.send('me', 'GET', { cookies: `access_token=${tokenA}; access_token=${tokenA}` }), 401, 'unauthenticated');
    // A protected API that looks the session up in the database follows the same rule.
    await expectError(await listSessions({ cookies: `access_token=${tokenA}; access_token=${tokenB}` }), 401, 'unauthenticated');
  });

  it('POST /api/auth/refresh with the refresh cookies of two users answers 401 invalid_refresh_token and rotates neither', async () => {
    const a = await newUser();
    const b = await newUser();
    const [refreshA, refreshB] = [a.jar.get('refresh_token') ?? '', b.jar.get('refresh_token') ?? ''];
    const response = await app.send('refresh', 'POST', { cookies: `refresh_token=${refreshA}; refresh_token=${refreshB}` });
    await expectError(response, 401, 'invalid_refresh_token');
    // It carried the refresh cookie (twice), so that one is cleared; it carried no access cookie.
    const cookies = setCookies(response);
    expect([...cookies.keys()]).toEqual(['refresh_token']);
    expectAuthCookie(cookies, 'refresh_token', { maxAge: 0, secure: false });
    expect((await sessionRow(sessionIdOf(a.jar)))?.generation).toBe(0);
    expect((await sessionRow(sessionIdOf(b.jar)))?.generation).toBe(0);
    // Each alone still works: nothing was used up or revoked.
    expect((await app.send('refresh', 'POST', { cookies: `refresh_token=${refreshA}` })).status).toBe(200);
    expect((await app.send('refresh', 'POST', { cookies: `refresh_token=${refreshB}` })).status).toBe(200);
  });

  it('logout with a refresh cookie sent twice revokes nothing by it', async () => {
    const a = await newUser();
    const refreshA = a.jar.get('refresh_token') ?? '';
    expect((await app.send('logout', 'POST', { cookies: `refresh_token=${refreshA}; refresh_token=${refreshA}` })).status).toBe(204);
    expect((await sessionRow(sessionIdOf(a.jar)))?.revoked_at).toBeNull();
  });
});

describe('a response clears only the auth cookies its request carried', () => {
  it('without cookies: /api/auth/me, /api/auth/refresh and /api/auth/logout send no Set-Cookie and no Clear-Site-Data', async () => {
    const me = await app.send('me', 'GET');
    await expectError(me, 401, 'unauthenticated');
    const refresh = await app.send('refresh', 'POST', { origin: ORIGIN });
    await expectError(refresh, 401, 'invalid_refresh_token');
    const logout = await app.send('logout', 'POST', { origin: ORIGIN });
    expect(logout.status).toBe(204);
    const sessions = await listSessions({});
    await expectError(sessions, 401, 'unauthenticated');
    for (const response of [me, refresh, logout, sessions]) {
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(response.headers.get('clear-site-data')).toBeNull();
    }
  });

  it('other cookies are not auth cookies: still nothing cleared', async () => {
    const refresh = await app.send('refresh', 'POST', { cookies: 'theme=dark; access_tokens=x' });
    await expectError(refresh, 401, 'invalid_refresh_token');
    expect(refresh.headers.getSetCookie()).toEqual([]);
    const logout = await app.send('logout', 'POST', { cookies: 'theme=dark' });
    expect(logout.headers.getSetCookie()).toEqual([]);
    expect(logout.headers.get('clear-site-data')).toBeNull();
  });

  it('with only a garbage refresh cookie: refresh and logout clear the refresh cookie and nothing else', async () => {
    const refresh = await app.send('refresh', 'POST', { cookies: { refresh_token: 'garbage' } });
    await expectError(refresh, 401, 'invalid_refresh_token');
    const refreshCookies = setCookies(refresh);
    expect([...refreshCookies.keys()]).toEqual(['refresh_token']);
    expectAuthCookie(refreshCookies, 'refresh_token', { maxAge: 0, secure: false });

    const logout = await app.send('logout', 'POST', { cookies: { refresh_token: 'garbage' } });
    expect(logout.status).toBe(204);
    const logoutCookies = setCookies(logout);
    expect([...logoutCookies.keys()]).toEqual(['refresh_token']);
    expectAuthCookie(logoutCookies, 'refresh_token', { maxAge: 0, secure: false });
    expect(logout.headers.get('clear-site-data')).toBe('"cookies"');
  });

  it('with only an access cookie: a failed refresh clears the access cookie alone', async () => {
    const response = await app.send('refresh', 'POST', { cookies: { access_token: 'garbage' } });
    await expectError(response, 401, 'invalid_refresh_token');
    const cookies = setCookies(response);
    expect([...cookies.keys()]).toEqual(['access_token']);
    expectAuthCookie(cookies, 'access_token', { maxAge: 0, secure: false });
  });

  it('revoking one’s own session with a bearer token (no cookies) clears nothing; with cookies it clears them', async () => {
    const { jar } = await newUser();
    const id = sessionIdOf(jar);
    const bearer = await sessionItem(apiRequest('DELETE', `/api/auth/sessions/${id}`, { bearer: jar.get('access_token') ?? '' }), { params: Promise.resolve({ id }) });
    expect(bearer.status).toBe(204);
    expect(bearer.headers.getSetCookie()).toEqual([]);
    expect(bearer.headers.get('clear-site-data')).toBeNull();

    const other = await newUser();
    const otherId = sessionIdOf(other.jar);
    const withCookies = await sessionItem(apiRequest('DELETE', `/api/auth/sessions/${otherId}`, { cookies: other.jar, origin: ORIGIN }), { params: Promise.resolve({ id: otherId }) });
    expect(withCookies.status).toBe(204);
    expect([...setCookies(withCookies).keys()].sort()).toEqual(['access_token', 'refresh_token']);
    expect(withCookies.headers.get('clear-site-data')).toBe('"cookies"');
  });

  it('a slow answer to a cookie-less request leaves a session signed in after it untouched', async () => {
    // The stale request is sent signed out; the browser signs in; the stale answer arrives.
    const stale = await app.send('refresh', 'POST', { origin: ORIGIN });
    const { jar } = await newUser();
    jar.apply(stale);
    expect(jar.get('access_token')).toBeDefined();
    expect(jar.get('refresh_token')).toBeDefined();
    expect((await app.send('me', 'GET', { cookies: jar })).status).toBe(200);
  });
});

describe('signing in again ends the previous session', () => {
  it('the same cookie jar signed in twice: one session listed, the old refresh token refused, the event recorded', async () => {
    const { email, jar } = await newUser();
    const oldSessionId = sessionIdOf(jar);
    const oldRefresh = jar.get('refresh_token') ?? '';
    const response = await app.send('login', 'POST', { json: { email, password: PASSWORD }, cookies: jar, origin: ORIGIN });
    expect(response.status).toBe(200);
    jar.apply(response);
    expect(sessionIdOf(jar)).not.toBe(oldSessionId);

    const listed = await listSessions({ cookies: jar });
    expect(listed.status).toBe(200);
    const body: { sessions: Array<{ id: string; current: boolean }> } = await listed.json();
    expect(body.sessions.map((session) => [session.id, session.current])).toEqual([[sessionIdOf(jar), true]]);

    await expectError(await app.send('refresh', 'POST', { cookies: { refresh_token: oldRefresh } }), 401, 'invalid_refresh_token');
    expect(await sessionRow(oldSessionId)).toMatchObject({ revoked_at: T0, revoked_reason: 'signed_in_again' });
    const events = await app.query<SecurityEventRow>("SELECT type, user_id, session_id, at, detail FROM security_events WHERE type = 'session_revoked' AND session_id = ?", oldSessionId);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.detail ?? '{}')).toMatchObject({ reason: 'signed_in_again' });
    // The new session works.
    expect((await app.send('refresh', 'POST', { cookies: jar })).status).toBe(200);
  });

  it('a refresh cookie of another account is ended too (its cookie is overwritten); that account’s other sessions live on', async () => {
    const first = await newUser();
    const firstPhone = (await app.signIn(first.email, PASSWORD)).jar;
    const second = await newUser();
    const response = await app.send('login', 'POST', { json: { email: second.email, password: PASSWORD }, cookies: first.jar });
    expect(response.status).toBe(200);
    expect(await sessionRow(sessionIdOf(first.jar))).toMatchObject({ revoked_at: T0, revoked_reason: 'signed_in_again' });
    expect((await sessionRow(sessionIdOf(firstPhone)))?.revoked_at).toBeNull();
    expect((await sessionRow(sessionIdOf(second.jar)))?.revoked_at).toBeNull();
    const event = await app.query<SecurityEventRow>("SELECT type, user_id, session_id, at, detail FROM security_events WHERE type = 'session_revoked' AND session_id = ?", sessionIdOf(first.jar));
    expect(event.map((row) => row.user_id)).toEqual([(await sessionRow(sessionIdOf(first.jar)))?.user_id]);
  });

  it('a wrong password ends nothing', async () => {
    const { email, jar } = await newUser();
    await expectError(await app.send('login', 'POST', { json: { email, password: 'not-the-password-1' }, cookies: jar }), 401, 'invalid_credentials');
    expect((await sessionRow(sessionIdOf(jar)))?.revoked_at).toBeNull();
    expect((await app.send('refresh', 'POST', { cookies: jar })).status).toBe(200);
  });

  it('only an authentic refresh token counts: a forged MAC for a real session ends nothing', async () => {
    const victim = await newUser();
    const attacker = await newUser();
    const [id, generation] = (victim.jar.get('refresh_token') ?? '').split('.');
    const forged = `${id}.${generation}.${'B'.repeat(42)}A`;
    expect((await app.send('login', 'POST', { json: { email: attacker.email, password: PASSWORD }, cookies: { refresh_token: forged } })).status).toBe(200);
    expect((await sessionRow(sessionIdOf(victim.jar)))?.revoked_at).toBeNull();
  });
});
