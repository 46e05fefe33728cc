/** GET /api/auth/me: cookie or Bearer, checked against the database (contract; checklist A10, D22). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { ACCESS_SECRET, PASSWORD, REFRESH_SECRET, T0 } from '../support/env';
import { type CookieJar, expectError, jwtPayload } from '../support/http';
import { forgeToken } from '../support/jwt';

let app: TestApp;
let jar: CookieJar;
let user: { id: string; email: string; name: string | null; createdAt: string };

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  const signedUp = await app.signUp('me@example.com', PASSWORD, 'Me Myself');
  jar = signedUp.jar;
  user = ((await signedUp.response.json()) as { user: typeof user }).user;
});

afterAll(() => {
  restoreClock();
});

const access = () => jar.get('access_token') ?? '';

describe('GET /api/auth/me', () => {
  it('answers 200 with exactly {user, session:{id, expiresAt}} for the access cookie', async () => {
    const response = await app.send('me', 'GET', { cookies: jar });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      user: { id: user.id, email: 'me@example.com', name: 'Me Myself', emailVerified: false, createdAt: new Date(T0).toISOString() },
      session: { id: jwtPayload(access()).sid, expiresAt: new Date(T0 + 7 * 86_400_000).toISOString() },
    });
  });

  it('accepts Authorization: Bearer <access token>', async () => {
    const response = await app.send('me', 'GET', { bearer: access() });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: { id: string } }).user.id).toBe(user.id);
  });

  it('answers 401 unauthenticated with a plain Bearer challenge when no token is sent', async () => {
    const response = await app.send('me', 'GET');
    await expectError(response, 401, 'unauthenticated');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.headers.get('www-authenticate')).not.toContain('invalid_token');
  });

  it.each([
    ['garbage', 'garbage'],
    ['a refresh token', 'refresh'],
    ['a token signed with the refresh secret', 'wrong-secret'],
    ['alg none', 'none'],
    ['a truncated token', 'truncated'],
  ])('answers a bad bearer token (%s) with 401 and WWW-Authenticate: Bearer error="invalid_token"', async (_name, kind) => {
    const claims = jwtPayload(access());
    const token = {
      garbage: 'not.a.jwt',
      refresh: jar.get('refresh_token') ?? '',
      'wrong-secret': forgeToken({ alg: 'HS256', typ: 'at+jwt' }, claims, REFRESH_SECRET),
      none: `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${access().split('.')[1]}.`,
      truncated: access().slice(0, -2),
    }[kind] as string;
    const response = await app.send('me', 'GET', { bearer: token });
    await expectError(response, 401, 'unauthenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('answers a malformed Authorization header with the invalid_token challenge, not the cookie', async () => {
    for (const authorization of ['Bearer', 'Bearer ', `Basic ${Buffer.from('a:b').toString('base64')}`, `bearer  ${access()}`, `Bearer ${access()} extra`]) {
      const response = await app.send('me', 'GET', { headers: { authorization }, cookies: jar });
      await expectError(response, 401, 'unauthenticated');
      expect(response.headers.get('www-authenticate'), authorization).toBe('Bearer error="invalid_token"');
    }
  });

  it('refuses a genuine token for a session id that does not exist', async () => {
    const claims = { ...jwtPayload(access()), sid: 'ZZZZZZZZZZZZZZZZZZZZZZ' };
    const response = await app.send('me', 'GET', { bearer: forgeToken({ alg: 'HS256', typ: 'at+jwt' }, claims, ACCESS_SECRET) });
    await expectError(response, 401, 'unauthenticated');
  });

  it('refuses a genuine token whose sub is not the session’s user', async () => {
    const claims = { ...jwtPayload(access()), sub: 'someone-else' };
    await expectError(await app.send('me', 'GET', { bearer: forgeToken({ alg: 'HS256', typ: 'at+jwt' }, claims, ACCESS_SECRET) }), 401, 'unauthenticated');
  });

  it('never takes the token from the URL', async () => {
    const handler = app.routes.me.GET;
    if (!handler) throw new Error('no GET');
    const request = new Request(`http://localhost:3000/api/auth/me?access_token=${access()}&token=${access()}`);
    const response = await handler(request, { params: Promise.resolve({}) });
    await expectError(response, 401, 'unauthenticated');
  });

  it('does not trust a middleware-subrequest header (CVE-2025-29927)', async () => {
    const response = await app.send('me', 'GET', { headers: { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' } });
    await expectError(response, 401, 'unauthenticated');
  });

  it('survives huge and odd cookie values with 401, never 500', async () => {
    for (const value of ['x'.repeat(10_000), Buffer.from('ключ🔑', 'utf8').toString('latin1'), '%00%ff', '"quoted"', 'a=b=c']) {
      await expectError(await app.send('me', 'GET', { cookies: { access_token: value } }), 401, 'unauthenticated');
    }
  });
});
