/** POST /api/auth/login: success shape, cookies, emails, enumeration, rehash-free path. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, T0 } from '../support/env';
import { CookieJar, expectAuthCookie, expectError, jwtPayload, setCookies } from '../support/http';

let app: TestApp;
let userId: string;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  const { response } = await app.signUp('Alice@Example.com', PASSWORD, 'Alice');
  userId = ((await response.json()) as { user: { id: string } }).user.id;
});

afterAll(() => {
  restoreClock();
});

describe('POST /api/auth/login', () => {
  it('answers 200 with exactly {user, accessTokenExpiresAt} and sets both cookies', async () => {
    const response = await app.send('login', 'POST', { json: { email: 'alice@example.com', password: PASSWORD } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      user: { id: userId, email: 'alice@example.com', name: 'Alice', emailVerified: false, createdAt: new Date(T0).toISOString() },
      accessTokenExpiresAt: new Date(T0 + 15 * 60_000).toISOString(),
    });
    const cookies = setCookies(response);
    expect([...cookies.keys()].sort()).toEqual(['access_token', 'refresh_token']);
    const access = expectAuthCookie(cookies, 'access_token', { maxAge: 900, secure: false });
    expectAuthCookie(cookies, 'refresh_token', { maxAge: 7 * 86_400, secure: false });
    // The ISO expiry is the token's own exp.
    expect(jwtPayload(access).exp).toBe((T0 + 900_000) / 1000);
    // No token in the JSON body (checklist E26).
    expect(JSON.stringify(body)).not.toContain(access);
  });

  it('compares emails trimmed and case-insensitively', async () => {
    for (const email of ['ALICE@EXAMPLE.COM', '  alice@example.com  ', 'Alice@example.COM']) {
      const response = await app.send('login', 'POST', { json: { email, password: PASSWORD } });
      expect(response.status, email).toBe(200);
    }
  });

  it('starts a new session on every sign-in, ignoring cookies the browser already has', async () => {
    const first = await app.signIn('alice@example.com', PASSWORD);
    const response = await app.send('login', 'POST', { json: { email: 'alice@example.com', password: PASSWORD }, cookies: first.jar });
    const second = first.jar.clone().apply(response);
    expect(second.get('refresh_token')).not.toBe(first.jar.get('refresh_token'));
    expect(jwtPayload(second.get('access_token') ?? '').sid).not.toBe(jwtPayload(first.jar.get('access_token') ?? '').sid);
  });

  it('answers 401 invalid_credentials for a wrong password, without cookies', async () => {
    const response = await app.send('login', 'POST', { json: { email: 'alice@example.com', password: `${PASSWORD}!` } });
    await expectError(response, 401, 'invalid_credentials');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('gives unknown email and wrong password the same status, body and headers', async () => {
    const unknown = await app.send('login', 'POST', { json: { email: 'nobody@example.com', password: PASSWORD } });
    const wrong = await app.send('login', 'POST', { json: { email: 'alice@example.com', password: 'not-the-password' } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(unknown.status);
    expect([...wrong.headers].sort()).toEqual([...unknown.headers].sort());
    const unknownText = await unknown.text();
    expect(await wrong.text()).toBe(unknownText);
    expect(JSON.parse(unknownText)).toMatchObject({ error: { code: 'invalid_credentials' } });
  });

  it('refuses a password that differs only in case, spacing or normalisation of other letters', async () => {
    for (const password of [PASSWORD.toUpperCase(), ` ${PASSWORD}`, `${PASSWORD} `]) {
      await expectError(await app.send('login', 'POST', { json: { email: 'alice@example.com', password } }), 401, 'invalid_credentials');
    }
  });

  it('signs in with the NFD form of a password registered in NFC', async () => {
    const nfc = 'Crème brûlée à la française'.normalize('NFC');
    await app.signUp('chef@example.com', nfc);
    expect((await app.send('login', 'POST', { json: { email: 'chef@example.com', password: nfc.normalize('NFD') } })).status).toBe(200);
  });

  it.each([
    ['missing password', { email: 'alice@example.com' }, ['password']],
    ['empty password', { email: 'alice@example.com', password: '' }, ['password']],
    ['129-character password', { email: 'alice@example.com', password: 'p'.repeat(129) }, ['password']],
    ['email not a string', { email: ['alice@example.com'], password: PASSWORD }, ['email']],
    ['password an object', { email: 'alice@example.com', password: { $gt: '' } }, ['password']],
    ['missing both', {}, ['email', 'password']],
  ])('answers 400 validation_error with fields for %s', async (_name, json, fields) => {
    const body = await expectError(await app.send('login', 'POST', { json }), 400, 'validation_error');
    expect(Object.keys(body.error.fields ?? {}).sort()).toEqual([...fields].sort());
  });

  it('accepts a short existing password attempt as a check, not a validation error (it is just wrong)', async () => {
    await expectError(await app.send('login', 'POST', { json: { email: 'alice@example.com', password: 'short' } }), 401, 'invalid_credentials');
  });

  it('records sign-in events without the password', async () => {
    await app.send('login', 'POST', { json: { email: 'alice@example.com', password: 'wrong-password-xyz' } });
    const rows = await app.query<{ type: string; detail: string | null }>("SELECT type, detail FROM security_events WHERE type IN ('sign_in_failed', 'sign_in_succeeded')");
    expect(rows.map((row) => row.type)).toContain('sign_in_failed');
    expect(rows.map((row) => row.type)).toContain('sign_in_succeeded');
    for (const row of rows) expect(row.detail ?? '').not.toContain('wrong-password-xyz');
  });

  it('does not accept the credentials in the query string or a form body', async () => {
    const form = await app.send('login', 'POST', { raw: `email=alice%40example.com&password=${PASSWORD}`, contentType: 'application/x-www-form-urlencoded' });
    await expectError(form, 415, 'unsupported_media_type');
    expect(form.headers.getSetCookie()).toEqual([]);
  });

  it('uses its cookies as a real browser would: the jar can call /me', async () => {
    const { jar } = await app.signIn('alice@example.com', PASSWORD);
    expect(jar).toBeInstanceOf(CookieJar);
    const me = await app.send('me', 'GET', { cookies: jar });
    expect(me.status).toBe(200);
  });
});
