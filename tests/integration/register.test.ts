/** POST /api/auth/register against a real SQLite file (contract "HTTP API"). */
import { backgroundSettled } from '@/lib/background';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, T0 } from '../support/env';
import { CookieJar, expectAuthCookie, expectError, jwtPayload, ORIGIN, setCookies } from '../support/http';

let app: TestApp;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
});

afterAll(() => {
  restoreClock();
});

describe('POST /api/auth/register', () => {
  it('creates the user: 201 with exactly {user:{id,email,name,emailVerified,createdAt}}, name null when not given, not verified yet', async () => {
    const response = await app.send('register', 'POST', { json: { email: 'ada@example.com', password: PASSWORD } });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { user: Record<string, unknown> };
    expect(body).toEqual({ user: { id: expect.any(String), email: 'ada@example.com', name: null, emailVerified: false, createdAt: new Date(T0).toISOString() } });
    expect(Object.keys(body.user)).toEqual(['id', 'email', 'name', 'emailVerified', 'createdAt']);
  });

  it('keeps a given name (trimmed) and treats an empty one as absent', async () => {
    const named = await app.send('register', 'POST', { json: { email: 'grace@example.com', password: PASSWORD, name: '  Grace Hopper ' } });
    expect(named.status).toBe(201);
    expect(((await named.json()) as { user: { name: unknown } }).user.name).toBe('Grace Hopper');
    const empty = await app.send('register', 'POST', { json: { email: 'noname@example.com', password: PASSWORD, name: '' } });
    expect(empty.status).toBe(201);
    expect(((await empty.json()) as { user: { name: unknown } }).user.name).toBeNull();
    const explicitNull = await app.send('register', 'POST', { json: { email: 'nullname@example.com', password: PASSWORD, name: null } });
    expect(explicitNull.status).toBe(201);
  });

  it('signs the user in: both cookies with the contract attributes, and /me works with them', async () => {
    const { response, jar } = await app.signUp('linus@example.com', PASSWORD);
    expect(response.status).toBe(201);
    const cookies = setCookies(response);
    expect([...cookies.keys()].sort()).toEqual(['access_token', 'refresh_token']);
    const access = expectAuthCookie(cookies, 'access_token', { maxAge: 15 * 60, secure: false });
    const refresh = expectAuthCookie(cookies, 'refresh_token', { maxAge: 7 * 24 * 60 * 60, secure: false });
    expect(access).not.toBe(refresh);
    const { user } = (await response.json()) as { user: { id: string } };
    expect(jwtPayload(access)).toMatchObject({ sub: user.id });

    const me = await app.send('me', 'GET', { cookies: jar });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { id: string } }).user.id).toBe(user.id);
  });

  it('never returns or stores a token or hash in the body', async () => {
    const response = await app.send('register', 'POST', { json: { email: 'body@example.com', password: PASSWORD } });
    const text = await response.text();
    expect(text).not.toMatch(/token|hash|\$2[aby]\$|password/i);
    const [row] = await app.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = ?', 'body@example.com');
    expect(row?.password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
  });

  it('stores emails trimmed and lower-cased', async () => {
    const response = await app.send('register', 'POST', { json: { email: '  Mixed.Case@Example.COM ', password: PASSWORD } });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { user: { email: string } }).user.email).toBe('mixed.case@example.com');
  });

  it('answers 409 email_taken for an email in use, whatever its case and spacing', async () => {
    await app.signUp('taken@example.com', PASSWORD);
    for (const email of ['taken@example.com', 'TAKEN@example.com', ' Taken@Example.com  ']) {
      const response = await app.send('register', 'POST', { json: { email, password: `${PASSWORD}-other` } });
      await expectError(response, 409, 'email_taken');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(await app.query('SELECT id FROM users WHERE email = ?', 'taken@example.com')).toHaveLength(1);
  });

  it('accepts a 128-character password and refuses 129 and 7', async () => {
    const long = 'Zq7-'.repeat(32);
    expect(long).toHaveLength(128);
    const ok = await app.send('register', 'POST', { json: { email: 'long@example.com', password: long } });
    expect(ok.status).toBe(201);
    const signIn = await app.send('login', 'POST', { json: { email: 'long@example.com', password: long } });
    expect(signIn.status).toBe(200);

    const tooLong = await app.send('register', 'POST', { json: { email: 'toolong@example.com', password: `${long}x` } });
    expect((await expectError(tooLong, 400, 'validation_error')).error.fields).toHaveProperty('password');
    const tooShort = await app.send('register', 'POST', { json: { email: 'tooshort@example.com', password: 'aB3$eF7' } });
    expect((await expectError(tooShort, 400, 'validation_error')).error.fields).toHaveProperty('password');
    const eight = await app.send('register', 'POST', { json: { email: 'eight@example.com', password: 'aB3$eF7!' } });
    expect(eight.status).toBe(201);
    expect(await app.query('SELECT id FROM users WHERE email IN (?, ?)', 'toolong@example.com', 'tooshort@example.com')).toEqual([]);
  });

  it('counts characters, not bytes: 128 emoji are accepted, 129 are not', async () => {
    const emoji = '🦊'.repeat(128);
    expect((await app.send('register', 'POST', { json: { email: 'fox@example.com', password: emoji } })).status).toBe(201);
    expect((await app.send('login', 'POST', { json: { email: 'fox@example.com', password: emoji } })).status).toBe(200);
    await expectError(await app.send('register', 'POST', { json: { email: 'fox2@example.com', password: `${emoji}🦊` } }), 400, 'validation_error');
  });

  it('does not truncate long passwords: a different 73rd byte does not sign in', async () => {
    const password = `${'k'.repeat(72)}A`;
    expect((await app.send('register', 'POST', { json: { email: 'prefix@example.com', password } })).status).toBe(201);
    await expectError(await app.send('login', 'POST', { json: { email: 'prefix@example.com', password: `${'k'.repeat(72)}B` } }), 401, 'invalid_credentials');
  });

  it.each([
    ['missing email', { password: PASSWORD }, ['email']],
    ['missing password', { email: 'x@example.com' }, ['password']],
    ['empty object', {}, ['email', 'password']],
    ['email not a string', { email: 42, password: PASSWORD }, ['email']],
    ['invalid email', { email: 'not-an-email', password: PASSWORD }, ['email']],
    ['email too long', { email: `${'a'.repeat(250)}@example.com`, password: PASSWORD }, ['email']],
    ['password not a string', { email: 'x@example.com', password: 12345678 }, ['password']],
    ['password an array', { email: 'x@example.com', password: [PASSWORD] }, ['password']],
    ['name not a string', { email: 'x@example.com', password: PASSWORD, name: 7 }, ['name']],
    ['name too long', { email: 'x@example.com', password: PASSWORD, name: 'n'.repeat(101) }, ['name']],
  ])('answers 400 validation_error with fields for %s', async (_name, json, fields) => {
    const response = await app.send('register', 'POST', { json });
    const body = await expectError(response, 400, 'validation_error');
    expect(Object.keys(body.error.fields ?? {}).sort()).toEqual([...fields].sort());
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a common password and the email as password', async () => {
    await expectError(await app.send('register', 'POST', { json: { email: 'common@example.com', password: 'password123' } }), 400, 'validation_error');
    await expectError(await app.send('register', 'POST', { json: { email: 'selfish@example.com', password: 'selfish@example.com' } }), 400, 'validation_error');
  });

  it('gives every registration a fresh session, not one planted in the browser', async () => {
    const first = await app.signUp('fixation@example.com', PASSWORD);
    const planted = new CookieJar({ access_token: first.jar.get('access_token') ?? '', refresh_token: first.jar.get('refresh_token') ?? '' });
    const response = await app.send('register', 'POST', { json: { email: 'victim@example.com', password: PASSWORD }, cookies: planted, origin: ORIGIN });
    expect(response.status).toBe(201);
    const after = planted.clone().apply(response);
    expect(after.get('refresh_token')).not.toBe(first.jar.get('refresh_token'));
    expect(jwtPayload(after.get('access_token') ?? '').sid).not.toBe(jwtPayload(first.jar.get('access_token') ?? '').sid);
  });

  it('records a user_registered event (and, once the verification mail is out, email_verification_sent)', async () => {
    const { response } = await app.signUp('audit@example.com', PASSWORD);
    const { user } = (await response.json()) as { user: { id: string } };
    await backgroundSettled();
    expect(await app.query('SELECT type FROM security_events WHERE user_id = ? ORDER BY id', user.id)).toEqual([{ type: 'user_registered' }, { type: 'email_verification_sent' }]);
  });
});
