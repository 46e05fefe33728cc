/**
 * Idle and absolute session expiry, driven by the clock (checklist C16). Short lifetimes:
 * access 15m, idle 1h, absolute 3h, reuse interval 10s.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type SessionRow, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { HOUR, MINUTE, PASSWORD, SECOND, T0 } from '../support/env';
import { type CookieJar, expectAuthCookie, expectError, jwtPayload, setCookies } from '../support/http';

let app: TestApp;
let counter = 0;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ ACCESS_TOKEN_EXPIRY: '15m', REFRESH_TOKEN_EXPIRY: '1h', SESSION_MAX_AGE: '3h', REFRESH_REUSE_INTERVAL: '10s' });
});

beforeEach(() => {
  counter += 1;
  freezeClock(T0 + counter * 7 * 24 * HOUR);
});

afterEach(() => {
  restoreClock();
});

async function signedIn(): Promise<CookieJar> {
  const { response, jar } = await app.signUp(`expiry${counter}@example.com`, PASSWORD);
  expect(response.status).toBe(201);
  expectAuthCookie(setCookies(response), 'refresh_token', { maxAge: 3600, secure: false });
  return jar;
}

/** Refreshes and returns the refresh cookie's Max-Age (seconds). */
async function refreshOk(jar: CookieJar): Promise<number> {
  const response = await app.send('refresh', 'POST', { cookies: jar });
  expect(response.status).toBe(200);
  const maxAge = Number(setCookies(response).get('refresh_token')?.attributes.get('max-age'));
  jar.apply(response);
  return maxAge;
}

describe('idle expiry (REFRESH_TOKEN_EXPIRY)', () => {
  it('accepts a refresh just before the idle lifetime ends and refuses it at the end', async () => {
    const jar = await signedIn();
    advanceClock(HOUR - SECOND);
    expect(await refreshOk(jar)).toBe(3600);
    // Each rotation starts a new idle period.
    advanceClock(HOUR - SECOND);
    expect(await refreshOk(jar)).toBe(3600);
    advanceClock(HOUR);
    const response = await app.send('refresh', 'POST', { cookies: jar });
    await expectError(response, 401, 'invalid_refresh_token');
    expectAuthCookie(setCookies(response), 'refresh_token', { maxAge: 0, secure: false });
  });
});

describe('absolute expiry (SESSION_MAX_AGE)', () => {
  it('caps the refresh cookie at the remaining absolute lifetime and ends the session at 3h, however often it is refreshed', async () => {
    const jar = await signedIn();
    const start = Date.now();
    const maxAges: number[] = [];
    for (const at of [50, 100, 150, 170, 179]) {
      advanceClock(start + at * MINUTE - Date.now());
      const maxAge = await refreshOk(jar);
      maxAges.push(maxAge);
      // Never past the session's absolute end.
      expect(Date.now() + maxAge * 1000).toBeLessThanOrEqual(start + 3 * HOUR);
    }
    expect(maxAges).toEqual([3600, 3600, 30 * 60, 10 * 60, 60]);

    const sid = jwtPayload(jar.get('access_token') ?? '').sid;
    const [row] = await app.query<SessionRow>('SELECT * FROM sessions WHERE id = ?', sid);
    expect(row?.absolute_expires_at).toBe(start + 3 * HOUR);
    expect(row?.expires_at).toBe(start + 3 * HOUR);

    // /me reports the capped expiry while the session lives.
    const me = await app.send('me', 'GET', { cookies: jar });
    expect(((await me.json()) as { session: { expiresAt: string } }).session.expiresAt).toBe(new Date(start + 3 * HOUR).toISOString());

    advanceClock(start + 3 * HOUR - Date.now());
    await expectError(await app.send('refresh', 'POST', { cookies: jar }), 401, 'invalid_refresh_token');
    // The access token minted at 2h59m is still within its own 15 minutes, but the session is over.
    await expectError(await app.send('me', 'GET', { cookies: jar }), 401, 'unauthenticated');
  });

  it('gives a late parallel tab (grace window) the same capped Max-Age', async () => {
    const jar = await signedIn();
    const start = Date.now();
    for (const at of [50, 100, 150]) {
      advanceClock(start + at * MINUTE - Date.now());
      await refreshOk(jar);
    }
    advanceClock(start + 175 * MINUTE - Date.now());
    const original = jar.get('refresh_token') ?? '';
    expect(await refreshOk(jar)).toBe(5 * 60);
    advanceClock(5 * SECOND);
    const late = await app.send('refresh', 'POST', { cookies: { refresh_token: original } });
    expect(late.status).toBe(200);
    const maxAge = Number(setCookies(late).get('refresh_token')?.attributes.get('max-age'));
    expect(maxAge).toBe(5 * 60 - 5);
    expect(Date.now() + maxAge * 1000).toBeLessThanOrEqual(start + 3 * HOUR);
  });
});

describe('access token lifetime', () => {
  it('lets /me accept the access token until exp (+ small tolerance) and refuse it after', async () => {
    const jar = await signedIn();
    advanceClock(15 * MINUTE - SECOND);
    expect((await app.send('me', 'GET', { cookies: jar })).status).toBe(200);
    advanceClock(10 * SECOND);
    const response = await app.send('me', 'GET', { bearer: jar.get('access_token') ?? '' });
    await expectError(response, 401, 'unauthenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    // A refresh brings it back.
    await refreshOk(jar);
    expect((await app.send('me', 'GET', { cookies: jar })).status).toBe(200);
  });
});
