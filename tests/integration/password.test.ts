/**
 * POST /api/auth/password: the current password is required, the new one follows the register
 * rules, every other session is revoked, this one goes on, and a `password_changed` event is
 * recorded (checklist C17).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type SecurityEventRow, type SessionRow, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { T0 } from '../support/env';
import { apiRequest, expectError, jwtPayload, ORIGIN, type CookieJar, type RequestOptions } from '../support/http';

const OLD_PASSWORD = 'heron-quartz-lantern-52';
const NEW_PASSWORD = 'maple-sextant-orbit-903';

type Handler = (request: Request, context: { params: Promise<Record<string, never>> }) => Promise<Response>;
const noParams = { params: Promise.resolve({}) };

let app: TestApp;
let route: Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>;
let sessionsRoute: { GET: Handler };

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  route = await import('@/app/api/auth/password/route');
  sessionsRoute = await import('@/app/api/auth/sessions/route');
});

afterAll(() => {
  restoreClock();
});

async function changePassword(options: RequestOptions, method: keyof typeof route = 'POST'): Promise<Response> {
  const response = await route[method](apiRequest(method, '/api/auth/password', options), noParams);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return response;
}

/** Signs in (registering first when asked) and returns the device's cookies and session id. */
async function device(email: string, password: string, register = false): Promise<{ jar: CookieJar; sid: string }> {
  const { response, jar } = register ? await app.signUp(email, password) : await app.signIn(email, password);
  expect(response.status).toBe(register ? 201 : 200);
  advanceClock(1_000);
  return { jar, sid: String(jwtPayload(jar.get('access_token') ?? '').sid) };
}

const session = async (id: string) => (await app.query<SessionRow>('SELECT * FROM sessions WHERE id = ?', id))[0];
const events = (type: string, userId: string) => app.query<SecurityEventRow>('SELECT * FROM security_events WHERE type = ? AND user_id = ? ORDER BY id', type, userId);
const hashOf = async (email: string) => (await app.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = ?', email))[0]?.password_hash ?? '';

describe('POST /api/auth/password', () => {
  it('changes the password, revokes every other session, keeps this one and records the event', async () => {
    const email = 'changer@example.com';
    const here = await device(email, OLD_PASSWORD, true);
    const laptop = await device(email, OLD_PASSWORD);
    const phone = await device(email, OLD_PASSWORD);
    const bystander = await device('bystander@example.com', OLD_PASSWORD, true);
    const oldHash = await hashOf(email);

    const response = await changePassword({ cookies: here.jar, origin: ORIGIN, json: { currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    // This session goes on with the cookies it has.
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await app.send('me', 'GET', { cookies: here.jar })).status).toBe(200);
    expect((await app.send('refresh', 'POST', { cookies: here.jar.clone() })).status).toBe(200);

    // Every other session of this user is over: refresh tokens dead, access tokens refused by the API.
    for (const other of [laptop, phone]) {
      expect((await session(other.sid))?.revoked_reason).toBe('password_changed');
      await expectError(await app.send('refresh', 'POST', { cookies: other.jar.clone() }), 401, 'invalid_refresh_token');
      await expectError(await app.send('me', 'GET', { cookies: other.jar }), 401, 'unauthenticated');
    }
    const listed = await sessionsRoute.GET(apiRequest('GET', '/api/auth/sessions', { cookies: here.jar }), noParams);
    expect(((await listed.json()) as { sessions: { id: string }[] }).sessions.map((s) => s.id)).toEqual([here.sid]);
    // Other users are untouched.
    expect((await session(bystander.sid))?.revoked_at).toBeNull();

    // The new password works, the old one does not; the stored hash is a fresh bcrypt hash at BCRYPT_COST.
    await expectError((await app.signIn(email, OLD_PASSWORD)).response, 401, 'invalid_credentials');
    expect((await app.signIn(email, NEW_PASSWORD)).response.status).toBe(200);
    expect(await hashOf(email)).not.toBe(oldHash);
    expect(await hashOf(email)).toMatch(/^\$2[aby]\$04\$/);

    const userId = await app.userIdOf(email);
    const changed = await events('password_changed', userId);
    expect(changed).toHaveLength(1);
    expect(changed[0]?.session_id).toBe(here.sid);
    expect(JSON.parse(changed[0]?.detail ?? '{}')).toEqual({ revokedSessions: 2 });
    // No password, old or new, ever lands in an event.
    const all = JSON.stringify(await app.query('SELECT * FROM security_events WHERE user_id = ?', userId));
    expect(all).not.toContain(OLD_PASSWORD);
    expect(all).not.toContain(NEW_PASSWORD);
    const revoked = (await events('session_revoked', userId)).filter((event) => JSON.parse(event.detail ?? '{}').reason === 'password_changed');
    expect(revoked.map((event) => event.session_id).sort()).toEqual([laptop.sid, phone.sid].sort());
  });

  it('answers 401 invalid_credentials for a wrong current password and changes nothing', async () => {
    const email = 'wrong@example.com';
    const here = await device(email, OLD_PASSWORD, true);
    const other = await device(email, OLD_PASSWORD);
    const hash = await hashOf(email);
    const response = await changePassword({ cookies: here.jar, origin: ORIGIN, json: { currentPassword: `${OLD_PASSWORD}!`, newPassword: NEW_PASSWORD } });
    await expectError(response, 401, 'invalid_credentials');
    // A wrong password is not a dead session: this browser keeps its cookies.
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await hashOf(email)).toBe(hash);
    expect((await session(other.sid))?.revoked_at).toBeNull();
    expect(await events('password_changed', await app.userIdOf(email))).toEqual([]);
    expect((await app.signIn(email, OLD_PASSWORD)).response.status).toBe(200);
  });

  it('applies the register rules to the new password: 400 validation_error with field messages', async () => {
    const email = 'rules@example.com';
    const { jar } = await device(email, OLD_PASSWORD, true);
    const cases: { body: unknown; field: string }[] = [
      { body: { currentPassword: OLD_PASSWORD, newPassword: 'short' }, field: 'newPassword' },
      { body: { currentPassword: OLD_PASSWORD, newPassword: 'x'.repeat(129) }, field: 'newPassword' },
      { body: { currentPassword: OLD_PASSWORD, newPassword: 'password1' }, field: 'newPassword' },
      { body: { currentPassword: OLD_PASSWORD, newPassword: email }, field: 'newPassword' },
      { body: { currentPassword: OLD_PASSWORD }, field: 'newPassword' },
      { body: { newPassword: NEW_PASSWORD }, field: 'currentPassword' },
      { body: { currentPassword: '', newPassword: NEW_PASSWORD }, field: 'currentPassword' },
      { body: { currentPassword: 12345678, newPassword: NEW_PASSWORD }, field: 'currentPassword' },
      { body: { currentPassword: OLD_PASSWORD, newPassword: ['a-long-password'] }, field: 'newPassword' },
    ];
    for (const { body, field } of cases) {
      const error = await expectError(await changePassword({ cookies: jar, origin: ORIGIN, json: body }), 400, 'validation_error');
      expect(Object.keys(error.error.fields ?? {}), JSON.stringify(body)).toContain(field);
    }
    await expectError(await changePassword({ cookies: jar, origin: ORIGIN, json: ['not', 'an', 'object'] }), 400, 'validation_error');
    expect(await events('password_changed', await app.userIdOf(email))).toEqual([]);
    expect((await app.signIn(email, OLD_PASSWORD)).response.status).toBe(200);
  });

  it('accepts long multi-byte passwords whole (64 emoji: 256 bytes, past bcrypt 72)', async () => {
    const email = 'emoji@example.com';
    const { jar } = await device(email, OLD_PASSWORD, true);
    const emoji = '🔐'.repeat(64);
    expect((await changePassword({ cookies: jar, origin: ORIGIN, json: { currentPassword: OLD_PASSWORD, newPassword: emoji } })).status).toBe(204);
    expect((await app.signIn(email, emoji)).response.status).toBe(200);
    // A different password sharing the first 72 bytes must not match.
    await expectError((await app.signIn(email, `${'🔐'.repeat(63)}🔑`)).response, 401, 'invalid_credentials');
  });

  it('refuses bodies that are not JSON: 415, 400 invalid_json, 413', async () => {
    const { jar } = await device('bodies@example.com', OLD_PASSWORD, true);
    const text = JSON.stringify({ currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD });
    await expectError(await changePassword({ cookies: jar, origin: ORIGIN, raw: text, contentType: 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(await changePassword({ cookies: jar, origin: ORIGIN, raw: text, contentType: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    await expectError(await changePassword({ cookies: jar, origin: ORIGIN, raw: '{"currentPassword":', contentType: 'application/json' }), 400, 'invalid_json');
    const huge = JSON.stringify({ currentPassword: OLD_PASSWORD, newPassword: 'x'.repeat(20_000) });
    await expectError(await changePassword({ cookies: jar, origin: ORIGIN, raw: huge, contentType: 'application/json' }), 413, 'payload_too_large');
  });

  it('answers 401 unauthenticated without a live session, even with the right password', async () => {
    const email = 'nosession@example.com';
    const { jar } = await device(email, OLD_PASSWORD, true);
    const body = { currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD };
    const none = await changePassword({ origin: ORIGIN, json: body });
    await expectError(none, 401, 'unauthenticated');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    // A signed-out session's access token has not expired yet, but the database says no.
    const stale = jar.clone();
    expect((await app.send('logout', 'POST', { cookies: jar })).status).toBe(204);
    await expectError(await changePassword({ cookies: { access_token: stale.get('access_token') ?? '' }, origin: ORIGIN, json: body }), 401, 'unauthenticated');
    expect((await app.signIn(email, OLD_PASSWORD)).response.status).toBe(200);
  });

  it('accepts a bearer token without Origin (native clients)', async () => {
    const email = 'native@example.com';
    const { jar } = await device(email, OLD_PASSWORD, true);
    const response = await changePassword({ bearer: jar.get('access_token') ?? '', json: { currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(response.status).toBe(204);
    expect((await app.signIn(email, NEW_PASSWORD)).response.status).toBe(200);
  });

  it('refuses a foreign or null Origin with 403 forbidden_origin and changes nothing', async () => {
    const email = 'csrf-password@example.com';
    const { jar } = await device(email, OLD_PASSWORD, true);
    const other = await device(email, OLD_PASSWORD);
    const body = { currentPassword: OLD_PASSWORD, newPassword: NEW_PASSWORD };
    for (const options of [{ origin: 'https://evil.example' }, { origin: 'null' }, { headers: { 'sec-fetch-site': 'cross-site' } }]) {
      await expectError(await changePassword({ cookies: jar, json: body, ...options }), 403, 'forbidden_origin');
    }
    expect((await session(other.sid))?.revoked_at).toBeNull();
    expect((await app.signIn(email, OLD_PASSWORD)).response.status).toBe(200);
  });

  it('answers 405 method_not_allowed with Allow: POST for other methods', async () => {
    const { jar } = await device('password-methods@example.com', OLD_PASSWORD, true);
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const response = await changePassword({ cookies: jar, origin: ORIGIN }, method);
      await expectError(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow')).toBe('POST');
    }
  });
});
