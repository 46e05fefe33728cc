/**
 * COOKIE_SECURE=true (the production default): `__Host-` names, Secure, Path=/, no Domain, on set
 * and on clear; the unprefixed names are ignored (contract "Cookies"; checklist E25). Also: a
 * configured APP_ORIGIN drives the Origin rule, and a raised BCRYPT_COST rehashes on sign-in.
 */
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@/lib/auth/passwords';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, T0 } from '../support/env';
import { type CookieJar, expectAuthCookie, expectError, setCookies } from '../support/http';

const APP_ORIGIN = 'https://auth.example.com';
const ACCESS = '__Host-access_token';
const REFRESH = '__Host-refresh_token';

let app: TestApp;
let jar: CookieJar;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ COOKIE_SECURE: 'true', APP_ORIGIN, BCRYPT_COST: '5' });
  const signedUp = await app.signUp('secure@example.com', PASSWORD);
  expect(signedUp.response.status).toBe(201);
  jar = signedUp.jar;
});

afterAll(() => {
  restoreClock();
});

describe('secure cookies', () => {
  it('register and login set __Host- cookies with Secure, HttpOnly, Path=/, SameSite=Lax and no Domain', async () => {
    const response = await app.send('login', 'POST', { json: { email: 'secure@example.com', password: PASSWORD }, origin: APP_ORIGIN });
    expect(response.status).toBe(200);
    const cookies = setCookies(response);
    expect([...cookies.keys()].sort()).toEqual([ACCESS, REFRESH]);
    expectAuthCookie(cookies, ACCESS, { maxAge: 900, secure: true });
    expectAuthCookie(cookies, REFRESH, { maxAge: 7 * 86_400, secure: true });
    expect([...jar.values.keys()].sort()).toEqual([ACCESS, REFRESH]);
  });

  it('/me and refresh read the __Host- cookies', async () => {
    const probe = jar.clone();
    expect((await app.send('me', 'GET', { cookies: probe })).status).toBe(200);
    const refreshed = await app.send('refresh', 'POST', { cookies: probe });
    expect(refreshed.status).toBe(200);
    const cookies = setCookies(refreshed);
    expectAuthCookie(cookies, ACCESS, { maxAge: 900, secure: true });
    expectAuthCookie(cookies, REFRESH, { maxAge: 7 * 86_400, secure: true });
  });

  it('ignores the unprefixed names, which a sibling subdomain could plant', async () => {
    const [access, refresh] = [jar.get(ACCESS) ?? '', jar.get(REFRESH) ?? ''];
    await expectError(await app.send('me', 'GET', { cookies: { access_token: access } }), 401, 'unauthenticated');
    const response = await app.send('refresh', 'POST', { cookies: { refresh_token: refresh } });
    await expectError(response, 401, 'invalid_refresh_token');
    // The request carried none of the secure names, so the failed refresh clears nothing.
    expect(response.headers.getSetCookie()).toEqual([]);
    // With the secure names it clears them, with Secure: only the one it carried.
    const carried = await app.send('refresh', 'POST', { cookies: { [REFRESH]: 'garbage', refresh_token: refresh } });
    await expectError(carried, 401, 'invalid_refresh_token');
    expect([...setCookies(carried).keys()]).toEqual([REFRESH]);
    expectAuthCookie(setCookies(carried), REFRESH, { maxAge: 0, secure: true });
  });

  it('logout clears the __Host- cookies with the same attributes', async () => {
    const probe = (await app.signIn('secure@example.com', PASSWORD)).jar;
    const response = await app.send('logout', 'POST', { cookies: probe, origin: APP_ORIGIN });
    expect(response.status).toBe(204);
    const cookies = setCookies(response);
    expect([...cookies.keys()].sort()).toEqual([ACCESS, REFRESH]);
    expectAuthCookie(cookies, ACCESS, { maxAge: 0, secure: true });
    expectAuthCookie(cookies, REFRESH, { maxAge: 0, secure: true });
    await expectError(await app.send('refresh', 'POST', { cookies: probe }), 401, 'invalid_refresh_token');
  });
});

describe('APP_ORIGIN', () => {
  it('is the one Origin accepted on state-changing requests', async () => {
    // Outside production the address a request was really sent to also counts when it is localhost
    // or an IP literal (lib/http/origin.ts; these requests go to http://localhost:3000), so the
    // default APP_ORIGIN's host on another port stands for "not APP_ORIGIN" here.
    await expectError(await app.send('login', 'POST', { json: { email: 'secure@example.com', password: PASSWORD }, origin: 'http://localhost:3001' }), 403, 'forbidden_origin');
    await expectError(await app.send('login', 'POST', { json: { email: 'secure@example.com', password: PASSWORD }, origin: 'http://auth.example.com' }), 403, 'forbidden_origin');
    expect((await app.send('login', 'POST', { json: { email: 'secure@example.com', password: PASSWORD }, origin: APP_ORIGIN })).status).toBe(200);
  });
});

describe('BCRYPT_COST raised', () => {
  it('rehashes an older, cheaper hash on the next successful sign-in', async () => {
    await app.signUp('legacy@example.com', PASSWORD);
    await app.query('UPDATE users SET password_hash = ? WHERE email = ?', await hashPassword(PASSWORD, 4), 'legacy@example.com');
    const hashOf = async () => (await app.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = ?', 'legacy@example.com'))[0]?.password_hash ?? '';
    expect(bcrypt.getRounds(await hashOf())).toBe(4);

    await expectError(await app.send('login', 'POST', { json: { email: 'legacy@example.com', password: 'wrong-password-1' } }), 401, 'invalid_credentials');
    expect(bcrypt.getRounds(await hashOf())).toBe(4);

    expect((await app.send('login', 'POST', { json: { email: 'legacy@example.com', password: PASSWORD } })).status).toBe(200);
    expect(bcrypt.getRounds(await hashOf())).toBe(5);
    expect((await app.send('login', 'POST', { json: { email: 'legacy@example.com', password: PASSWORD } })).status).toBe(200);
  });
});
