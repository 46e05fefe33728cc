/** POST /api/auth/logout: this session, `others`, `all` (contract; checklist D20–D21). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type SessionRow, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, T0 } from '../support/env';
import { type CookieJar, expectAuthCookie, expectError, jwtPayload, ORIGIN, setCookies } from '../support/http';

let app: TestApp;
let counter = 0;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
});

afterAll(() => {
  restoreClock();
});

/** A new user with `devices` signed-in browsers. */
async function userWith(devices: number): Promise<CookieJar[]> {
  counter += 1;
  const email = `logout${counter}@example.com`;
  const jars = [(await app.signUp(email, PASSWORD)).jar];
  while (jars.length < devices) jars.push((await app.signIn(email, PASSWORD)).jar);
  return jars;
}

const sessionId = (jar: CookieJar) => String(jwtPayload(jar.get('access_token') ?? '').sid);
const session = async (jar: CookieJar) => (await app.query<SessionRow>('SELECT * FROM sessions WHERE id = ?', sessionId(jar)))[0];

/**
 * Checks a 204 that clears exactly the auth cookies the request carried (same names, path and
 * flags, Max-Age=0), both by default; a request that carried none gets no clearing at all.
 */
async function expectSignedOut(response: Response, carried: string[] = ['access_token', 'refresh_token']): Promise<void> {
  expect(response.status).toBe(204);
  expect(await response.text()).toBe('');
  const cookies = setCookies(response);
  expect([...cookies.keys()].sort()).toEqual(carried);
  for (const name of carried) expectAuthCookie(cookies, name, { maxAge: 0, secure: false });
  expect(response.headers.get('clear-site-data')).toBe(carried.length > 0 ? '"cookies"' : null);
}

describe('logout (current session)', () => {
  it('answers 204, revokes the session on the server and clears both cookies', async () => {
    const [jar] = await userWith(1);
    if (!jar) throw new Error('no jar');
    const before = jar.clone();
    const response = await app.send('logout', 'POST', { cookies: jar, origin: ORIGIN });
    await expectSignedOut(response);
    expect(await session(before)).toMatchObject({ revoked_at: T0, revoked_reason: 'logout' });

    // The old tokens are dead, even though the access JWT has not expired.
    await expectError(await app.send('refresh', 'POST', { cookies: before }), 401, 'invalid_refresh_token');
    await expectError(await app.send('me', 'GET', { cookies: before }), 401, 'unauthenticated');
    await expectError(await app.send('me', 'GET', { bearer: before.get('access_token') ?? '' }), 401, 'unauthenticated');
    // And the browser holds nothing any more.
    expect(jar.clone().apply(response).values.size).toBe(0);
  });

  it('answers 204 as well when already signed out, and when called twice', async () => {
    // Without cookies: nothing to clear, so no Set-Cookie and no Clear-Site-Data (contract "Cookies").
    await expectSignedOut(await app.send('logout', 'POST'), []);
    const [jar] = await userWith(1);
    if (!jar) throw new Error('no jar');
    await expectSignedOut(await app.send('logout', 'POST', { cookies: jar }));
    await expectSignedOut(await app.send('logout', 'POST', { cookies: jar }));
  });

  it('answers 204 for garbage cookies without touching any session', async () => {
    const [other] = await userWith(1);
    if (!other) throw new Error('no jar');
    const [id] = (other.get('refresh_token') ?? '').split('.');
    await expectSignedOut(await app.send('logout', 'POST', { cookies: { access_token: 'garbage', refresh_token: `${id}.0.${'A'.repeat(43)}` } }));
    expect((await session(other))?.revoked_at).toBeNull();
  });

  it('revokes with only the access cookie, or only the refresh cookie', async () => {
    const [a] = await userWith(1);
    const [b] = await userWith(1);
    if (!a || !b) throw new Error('no jar');
    // Each clears only the cookie it carried.
    await expectSignedOut(await app.send('logout', 'POST', { cookies: { access_token: a.get('access_token') ?? '' } }), ['access_token']);
    expect((await session(a))?.revoked_at).toBe(T0);
    await expectSignedOut(await app.send('logout', 'POST', { cookies: { refresh_token: b.get('refresh_token') ?? '' } }), ['refresh_token']);
    expect((await session(b))?.revoked_at).toBe(T0);
  });

  it('accepts an explicit {"scope":"current"} body', async () => {
    const [jar, other] = await userWith(2);
    if (!jar || !other) throw new Error('no jar');
    await expectSignedOut(await app.send('logout', 'POST', { cookies: jar, json: { scope: 'current' } }));
    expect((await session(jar))?.revoked_at).toBe(T0);
    expect((await session(other))?.revoked_at).toBeNull();
  });

  it('does not sign out the user’s other devices', async () => {
    const [laptop, phone] = await userWith(2);
    if (!laptop || !phone) throw new Error('no jar');
    await expectSignedOut(await app.send('logout', 'POST', { cookies: laptop }));
    expect((await app.send('me', 'GET', { cookies: phone })).status).toBe(200);
    expect((await app.send('refresh', 'POST', { cookies: phone })).status).toBe(200);
  });

  it('records a session_revoked event', async () => {
    const [jar] = await userWith(1);
    if (!jar) throw new Error('no jar');
    await app.send('logout', 'POST', { cookies: jar });
    expect(await app.query("SELECT type FROM security_events WHERE type = 'session_revoked' AND session_id = ?", sessionId(jar))).toEqual([{ type: 'session_revoked' }]);
  });
});

describe('logout {"scope":"others"}', () => {
  it('answers 204, revokes every other session and keeps this one (cookies untouched)', async () => {
    const [current, second, third] = await userWith(3);
    const [stranger] = await userWith(1);
    if (!current || !second || !third || !stranger) throw new Error('no jar');
    const response = await app.send('logout', 'POST', { cookies: current, json: { scope: 'others' }, origin: ORIGIN });
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()).toEqual([]);

    expect((await session(current))?.revoked_at).toBeNull();
    expect((await app.send('me', 'GET', { cookies: current })).status).toBe(200);
    expect((await app.send('refresh', 'POST', { cookies: current })).status).toBe(200);
    for (const jar of [second, third]) {
      expect(await session(jar)).toMatchObject({ revoked_at: T0, revoked_reason: 'logout_others' });
      await expectError(await app.send('refresh', 'POST', { cookies: jar }), 401, 'invalid_refresh_token');
      await expectError(await app.send('me', 'GET', { cookies: jar }), 401, 'unauthenticated');
    }
    // Another user is not affected.
    expect((await session(stranger))?.revoked_at).toBeNull();
  });

  it('works with a Bearer access token (native client)', async () => {
    const [current, other] = await userWith(2);
    if (!current || !other) throw new Error('no jar');
    const response = await app.send('logout', 'POST', { bearer: current.get('access_token') ?? '', json: { scope: 'others' } });
    expect(response.status).toBe(204);
    expect((await session(other))?.revoked_at).toBe(T0);
    expect((await session(current))?.revoked_at).toBeNull();
  });
});

describe('logout {"scope":"all"}', () => {
  it('answers 204, revokes every session including this one, and clears the cookies', async () => {
    const [current, second] = await userWith(2);
    const [stranger] = await userWith(1);
    if (!current || !second || !stranger) throw new Error('no jar');
    await expectSignedOut(await app.send('logout', 'POST', { cookies: current, json: { scope: 'all' } }));
    for (const jar of [current, second]) {
      expect(await session(jar)).toMatchObject({ revoked_at: T0, revoked_reason: 'logout_all' });
      await expectError(await app.send('refresh', 'POST', { cookies: jar }), 401, 'invalid_refresh_token');
      await expectError(await app.send('me', 'GET', { cookies: jar }), 401, 'unauthenticated');
    }
    expect((await session(stranger))?.revoked_at).toBeNull();
  });
});

describe('logout scopes that need a session', () => {
  it.each(['others', 'all'])('answers 401 unauthenticated for %s when signed out', async (scope) => {
    const response = await app.send('logout', 'POST', { json: { scope } });
    await expectError(response, 401, 'unauthenticated');
  });

  it.each(['others', 'all'])('answers 401 for %s with a revoked session’s access token', async (scope) => {
    const [jar, other] = await userWith(2);
    if (!jar || !other) throw new Error('no jar');
    await app.send('logout', 'POST', { cookies: jar });
    await expectError(await app.send('logout', 'POST', { cookies: { access_token: jar.get('access_token') ?? '' }, json: { scope } }), 401, 'unauthenticated');
    expect((await session(other))?.revoked_at).toBeNull();
  });

  it.each([{ scope: 'everything' }, { scope: 1 }, { scope: null }, []])('answers 400 validation_error for the body %j', async (json) => {
    const [jar] = await userWith(1);
    if (!jar) throw new Error('no jar');
    await expectError(await app.send('logout', 'POST', { cookies: jar, json }), 400, 'validation_error');
    expect((await session(jar))?.revoked_at).toBeNull();
  });
});
