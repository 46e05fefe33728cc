/**
 * DELETE /api/auth/account (contract "HTTP API"; issue 9; checklist N57, H35, F27): with the
 * password, every session ends, the user row and the rows naming the person go, security events
 * stay without personal data, both cookies are cleared and the email can register again. A wrong
 * password is 401 `invalid_credentials`, throttled like sign-in per IP and per account.
 *
 * Runs behind a trusted proxy with RATE_LIMIT_PER_IP=5/15m and the default account limit
 * (10/15m); every request comes from a new client address unless a test picks one.
 */
import { backgroundSettled } from '@/lib/background';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { MINUTE, SECOND, T0 } from '../support/env';
import { apiRequest, call, CookieJar, expectAuthCookie, expectError, jwtPayload, ORIGIN, setCookies, type Handler, type RequestOptions } from '../support/http';
import { expectNoCookies, GOOD_PASSWORD, OTHER_PASSWORD, retryAfterSeconds, type EventRow } from '../support/security';

const IP_LIMIT = 5;
const DEFAULT_ACCOUNT_LIMIT = 10;
const PATH = '/api/auth/account';

type Route = Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;

let app: TestApp;
let route: Route;
let ipCounter = 0;
/** A fresh documentation-range address per request, so only the bucket a test aims at fills up. */
const nextIp = () => {
  ipCounter += 1;
  return `10.${Math.floor(ipCounter / 250) % 250}.${ipCounter % 250}.7`;
};

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: `${IP_LIMIT}/15m`, RATE_LIMIT_PER_ACCOUNT: undefined });
  route = await import('@/app/api/auth/account/route');
});

beforeEach(() => {
  // Every test starts with fresh rate-limit windows.
  advanceClock(16 * MINUTE);
});

afterAll(() => {
  restoreClock();
});

interface Device {
  jar: CookieJar;
  sid: string;
  userId: string;
}

function client(ip: string | undefined, userAgent: string | undefined): Record<string, string> {
  return { 'x-real-ip': ip ?? nextIp(), ...(userAgent ? { 'user-agent': userAgent } : {}) };
}

/** Registers (201) and returns the new device's cookies and ids. */
async function register(email: string, options: { password?: string; name?: string; ip?: string; userAgent?: string } = {}): Promise<Device> {
  const json = { email, password: options.password ?? GOOD_PASSWORD, ...(options.name ? { name: options.name } : {}) };
  const response = await app.send('register', 'POST', { json, headers: client(options.ip, options.userAgent) });
  expect(response.status, await response.clone().text()).toBe(201);
  // The verification mail (and its event) goes out after the answer: let it, so the event list is settled.
  await backgroundSettled();
  return device(new CookieJar().apply(response));
}

/** Signs in (200) and returns the new device's cookies and ids. */
async function signIn(email: string, options: { password?: string; ip?: string; userAgent?: string } = {}): Promise<Device> {
  const response = await login(email, options.password ?? GOOD_PASSWORD, options);
  expect(response.status).toBe(200);
  return device(new CookieJar().apply(response));
}

const login = (email: string, password: string, options: { ip?: string; userAgent?: string } = {}) =>
  app.send('login', 'POST', { json: { email, password }, headers: client(options.ip, options.userAgent) });

function device(jar: CookieJar): Device {
  const claims = jwtPayload(jar.get('access_token') ?? '');
  return { jar, sid: String(claims.sid), userId: String(claims.sub) };
}

/** DELETE /api/auth/account from a browser on our origin (unless the options say otherwise). */
function deleteAccount(options: RequestOptions & { ip?: string }, method: keyof Route = 'DELETE'): Promise<Response> {
  const handler = route[method];
  if (!handler) throw new TypeError(`no ${method} export`);
  const { ip, headers, ...rest } = options;
  return call(handler, apiRequest(method, PATH, { origin: ORIGIN, ...rest, headers: { 'x-real-ip': ip ?? nextIp(), ...headers } }));
}

const me = (options: RequestOptions) => app.send('me', 'GET', { ...options, headers: { 'x-real-ip': nextIp() } });
const refresh = (jar: CookieJar) => app.send('refresh', 'POST', { cookies: jar.clone(), headers: { 'x-real-ip': nextIp() } });

const userRows = (id: string) => app.query<{ id: string; email: string }>('SELECT id, email FROM users WHERE id = ?', id);
const userIdByEmail = async (email: string) => (await app.query<{ id: string }>('SELECT id FROM users WHERE email = ?', email))[0]?.id;
const sessionRows = (userId: string) => app.query<{ id: string; revoked_at: number | null }>('SELECT id, revoked_at FROM sessions WHERE user_id = ?', userId);
const eventsOf = (userId: string) => app.query<EventRow>('SELECT * FROM security_events WHERE user_id = ? ORDER BY id', userId);
const eventsById = (ids: number[]) => app.query<EventRow>(`SELECT * FROM security_events WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id`, ...ids);
const deletedEvents = () => app.query<EventRow>("SELECT * FROM security_events WHERE type = 'account_deleted' ORDER BY id");

/** The account is still there and its session still works. */
async function expectIntact(email: string, signedIn: Device): Promise<void> {
  expect(await userRows(signedIn.userId)).toEqual([{ id: signedIn.userId, email }]);
  expect((await sessionRows(signedIn.userId)).find((row) => row.id === signedIn.sid)?.revoked_at).toBeNull();
  expect((await me({ cookies: signedIn.jar })).status).toBe(200);
}

describe('DELETE /api/auth/account', () => {
  it('deletes the account: 204, cookies cleared, sessions and user gone, tokens refused, events anonymised, email free again', async () => {
    const email = 'leaving@example.com';
    const name = 'Lea Ving';
    const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) LeavingBrowser/7.1';
    const ips = ['192.0.2.11', '192.0.2.12', '192.0.2.13'] as const;
    const here = await register(email, { name, ip: ips[0], userAgent });
    const phone = await signIn(email, { ip: ips[1], userAgent });
    // A failed sign-in: an event naming the user, and a failure counter keyed by the email.
    await expectError(await login(email, OTHER_PASSWORD, { ip: ips[2], userAgent }), 401, 'invalid_credentials');
    expect(await app.query('SELECT key FROM rate_limits WHERE key LIKE ?', `%${email}%`)).not.toEqual([]);
    const bystander = await register('staying@example.com', { name: 'Stay Put' });
    const userEvents = await eventsOf(here.userId);
    expect(userEvents.map((event) => event.type)).toEqual(['user_registered', 'email_verification_sent', 'sign_in_succeeded', 'sign_in_failed']);
    expect(userEvents.every((event) => event.ip !== null && event.user_agent === userAgent)).toBe(true);

    const response = await deleteAccount({ cookies: here.jar, json: { password: GOOD_PASSWORD } });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('clear-site-data')).toBe('"cookies"');
    const cleared = setCookies(response);
    expectAuthCookie(cleared, 'access_token', { maxAge: 0, secure: false });
    expectAuthCookie(cleared, 'refresh_token', { maxAge: 0, secure: false });

    // The user row and every session row are gone.
    expect(await userRows(here.userId)).toEqual([]);
    expect(await userIdByEmail(email)).toBeUndefined();
    expect(await sessionRows(here.userId)).toEqual([]);
    expect(await app.query('SELECT id FROM sessions WHERE id IN (?, ?)', here.sid, phone.sid)).toEqual([]);
    // Every token of every device is refused: refresh tokens at once, access tokens at the API.
    for (const signedIn of [here, phone]) {
      await expectError(await refresh(signedIn.jar), 401, 'invalid_refresh_token');
      await expectError(await me({ cookies: signedIn.jar }), 401, 'unauthenticated');
      await expectError(await me({ bearer: signedIn.jar.get('access_token') ?? '' }), 401, 'unauthenticated');
    }

    // The security record stays, without anything that points at the person.
    const kept = await eventsById(userEvents.map((event) => event.id));
    expect(kept.map((event) => event.type)).toEqual(['user_registered', 'email_verification_sent', 'sign_in_succeeded', 'sign_in_failed']);
    for (const event of kept) expect(event).toMatchObject({ user_id: null, session_id: null, ip: null, user_agent: null });
    expect(await eventsOf(here.userId)).toEqual([]);
    const everything = JSON.stringify(await app.query('SELECT * FROM security_events'));
    for (const personal of [email, name, here.userId, here.sid, phone.sid, userAgent, ...ips]) expect(everything).not.toContain(personal);
    // One account_deleted event: a type and a time, nothing else.
    expect(await deletedEvents()).toEqual([{ id: expect.any(Number), type: 'account_deleted', user_id: null, session_id: null, ip: null, user_agent: null, at: Date.now(), detail: null }]);
    // The failure counters keyed by the email are gone as well.
    expect(await app.query('SELECT key FROM rate_limits WHERE key LIKE ?', `%${email}%`)).toEqual([]);

    // Nobody else is touched.
    await expectIntact('staying@example.com', bystander);
    expect((await eventsOf(bystander.userId)).map((event) => event.type)).toEqual(['user_registered', 'email_verification_sent']);

    // The email can register again, as a new account with nothing of the old one.
    const again = await register(email);
    expect(again.userId).not.toBe(here.userId);
    expect((await sessionRows(again.userId)).map((row) => row.id)).toEqual([again.sid]);
    expect((await eventsOf(again.userId)).map((event) => event.type)).toEqual(['user_registered', 'email_verification_sent']);
  });

  it('answers 401 invalid_credentials for a wrong password and deletes nothing', async () => {
    const email = 'wrong-password@example.com';
    const here = await register(email);
    const other = await signIn(email);
    const before = (await eventsOf(here.userId)).length;
    for (const password of [OTHER_PASSWORD, `${GOOD_PASSWORD} `, GOOD_PASSWORD.toUpperCase()]) {
      const response = await deleteAccount({ cookies: here.jar, json: { password } });
      await expectError(response, 401, 'invalid_credentials');
      // A wrong password is an answer, not a dead session: no refresh challenge, no cookie change.
      expect(response.headers.get('www-authenticate')).toBeNull();
      expectNoCookies(response);
    }
    await expectIntact(email, here);
    await expectIntact(email, other);
    expect(await eventsOf(here.userId)).toHaveLength(before);
    expect((await deletedEvents()).filter((event) => event.at === Date.now())).toEqual([]);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
  });

  it("checks the caller's own password: another user's password deletes nobody", async () => {
    const victim = await register('victim@example.com', { password: OTHER_PASSWORD });
    const mallory = await register('mallory@example.com');
    await expectError(await deleteAccount({ cookies: mallory.jar, json: { password: OTHER_PASSWORD } }), 401, 'invalid_credentials');
    await expectIntact('victim@example.com', victim);
    await expectIntact('mallory@example.com', mallory);
  });

  it('also works for a native client: Bearer token, no Origin header', async () => {
    const email = 'native@example.com';
    const here = await register(email);
    const bearer = here.jar.get('access_token') ?? '';
    const handler = route.DELETE;
    if (!handler) throw new TypeError('no DELETE export');
    const request = apiRequest('DELETE', PATH, { bearer, json: { password: GOOD_PASSWORD }, headers: { 'x-real-ip': nextIp() } });
    expect(request.headers.get('origin')).toBeNull();
    expect((await call(handler, request)).status).toBe(204);
    expect(await userRows(here.userId)).toEqual([]);
    await expectError(await me({ bearer }), 401, 'unauthenticated');
  });

  it('two deletes at once: one succeeds, the other finds no session, one account_deleted event', async () => {
    const here = await register('twice@example.com');
    const before = (await deletedEvents()).length;
    const responses = await Promise.all([1, 2].map(() => deleteAccount({ cookies: here.jar, json: { password: GOOD_PASSWORD } })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([204, 401]);
    const failed = responses.find((response) => response.status === 401);
    if (failed) await expectError(failed, 401, 'unauthenticated');
    expect(await deletedEvents()).toHaveLength(before + 1);
    expect(await userRows(here.userId)).toEqual([]);
  });
});

describe('DELETE /api/auth/account is throttled like sign-in', () => {
  it(`backs the account off after ${DEFAULT_ACCOUNT_LIMIT} wrong passwords: the next attempt is 429 with Retry-After, even with the right one`, async () => {
    const email = 'guessed@example.com';
    const here = await register(email);
    // Each guess from a new address: only the per-account limit is in play.
    for (let i = 0; i < DEFAULT_ACCOUNT_LIMIT; i += 1) {
      await expectError(await deleteAccount({ cookies: here.jar, json: { password: `wrong-guess-${i}` } }), 401, 'invalid_credentials');
    }
    const limited = await deleteAccount({ cookies: here.jar, json: { password: GOOD_PASSWORD } });
    await expectError(limited, 429, 'rate_limited');
    expectNoCookies(limited);
    await expectIntact(email, here);
    // The lock is temporary: after Retry-After the owner gets through.
    advanceClock(retryAfterSeconds(limited) * SECOND);
    expect((await deleteAccount({ cookies: here.jar, json: { password: GOOD_PASSWORD } })).status).toBe(204);
    expect(await userRows(here.userId)).toEqual([]);
  });

  it('shares the per-account bucket with sign-in: failed sign-ins count against it', async () => {
    const email = 'shared-bucket@example.com';
    const here = await register(email);
    for (let i = 0; i < DEFAULT_ACCOUNT_LIMIT; i += 1) await expectError(await login(email, `wrong-guess-${i}`), 401, 'invalid_credentials');
    const limited = await deleteAccount({ cookies: here.jar, json: { password: GOOD_PASSWORD } });
    await expectError(limited, 429, 'rate_limited');
    retryAfterSeconds(limited);
    await expectIntact(email, here);
  });

  it(`counts every password check against the client's IP: after ${IP_LIMIT} the address gets 429 with Retry-After`, async () => {
    const ip = '203.0.113.99';
    const accounts = await Promise.all(['ip-a@example.com', 'ip-b@example.com'].map((email) => register(email)));
    const [first, second] = accounts as [Device, Device];
    for (let i = 0; i < IP_LIMIT; i += 1) {
      const target = i % 2 === 0 ? first : second;
      await expectError(await deleteAccount({ ip, cookies: target.jar, json: { password: `wrong-guess-${i}` } }), 401, 'invalid_credentials');
    }
    const limited = await deleteAccount({ ip, cookies: first.jar, json: { password: GOOD_PASSWORD } });
    await expectError(limited, 429, 'rate_limited');
    retryAfterSeconds(limited);
    await expectIntact('ip-a@example.com', first);
    // The same address is refused sign-in too (one bucket), another address is not.
    await expectError(await login('ip-b@example.com', GOOD_PASSWORD, { ip }), 429, 'rate_limited');
    expect((await deleteAccount({ cookies: first.jar, json: { password: GOOD_PASSWORD } })).status).toBe(204);
  });
});

describe('DELETE /api/auth/account request rules', () => {
  it('400 validation_error for a missing, empty, wrong-typed or oversized password, and deletes nothing', async () => {
    const email = 'validation@example.com';
    const here = await register(email);
    const bodies: unknown[] = [{}, { password: '' }, { password: null }, { password: 12345678 }, { password: [GOOD_PASSWORD] }, { password: 'x'.repeat(129) }, { currentPassword: GOOD_PASSWORD }];
    for (const json of bodies) {
      const error = await expectError(await deleteAccount({ cookies: here.jar, json }), 400, 'validation_error');
      expect(Object.keys(error.error.fields ?? {}), JSON.stringify(json)).toContain('password');
    }
    await expectError(await deleteAccount({ cookies: here.jar, json: [GOOD_PASSWORD] }), 400, 'validation_error');
    await expectIntact(email, here);
  });

  it('refuses bodies that are not JSON: 415, 400 invalid_json, 413', async () => {
    const email = 'bodies@example.com';
    const here = await register(email);
    const text = JSON.stringify({ password: GOOD_PASSWORD });
    await expectError(await deleteAccount({ cookies: here.jar, raw: text, contentType: 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(await deleteAccount({ cookies: here.jar, raw: new TextEncoder().encode(text), contentType: null }), 415, 'unsupported_media_type');
    await expectError(await deleteAccount({ cookies: here.jar, raw: '{"password":', contentType: 'application/json' }), 400, 'invalid_json');
    await expectError(await deleteAccount({ cookies: here.jar, raw: JSON.stringify({ password: 'p'.repeat(17 * 1024) }), contentType: 'application/json' }), 413, 'payload_too_large');
    await expectIntact(email, here);
  });

  it('401 unauthenticated with WWW-Authenticate: Bearer when not signed in, or signed out', async () => {
    const response = await deleteAccount({ json: { password: GOOD_PASSWORD } });
    await expectError(response, 401, 'unauthenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const badBearer = await deleteAccount({ bearer: 'not-a-token', json: { password: GOOD_PASSWORD } });
    await expectError(badBearer, 401, 'unauthenticated');
    expect(badBearer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');

    // A session that has ended (signed out) cannot delete the account, even with its unexpired access token.
    const email = 'signed-out@example.com';
    const here = await register(email);
    const access = here.jar.get('access_token') ?? '';
    expect((await app.send('logout', 'POST', { cookies: here.jar, headers: { 'x-real-ip': nextIp() } })).status).toBe(204);
    const ended = await deleteAccount({ cookies: { access_token: access }, json: { password: GOOD_PASSWORD } });
    await expectError(ended, 401, 'unauthenticated');
    expect(await userIdByEmail(email)).toBe(here.userId);
  });

  it('405 method_not_allowed with Allow: DELETE for every other method', async () => {
    const here = await register('methods@example.com');
    for (const method of ['GET', 'POST', 'PUT', 'PATCH'] as const) {
      const response = await deleteAccount({ cookies: here.jar, ...(method === 'GET' ? {} : { json: { password: GOOD_PASSWORD } }) }, method);
      await expectError(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow')).toBe('DELETE');
    }
    await expectIntact('methods@example.com', here);
  });

  it('403 forbidden_origin for a foreign or null Origin and for a cross-site fetch, before anything else', async () => {
    const email = 'cross-site@example.com';
    const here = await register(email);
    for (const origin of ['https://evil.example', 'null', 'http://localhost:3001', 'http://localhost:3000.evil.example']) {
      await expectError(await deleteAccount({ origin, cookies: here.jar, json: { password: GOOD_PASSWORD } }), 403, 'forbidden_origin');
    }
    await expectError(await deleteAccount({ cookies: here.jar, json: { password: GOOD_PASSWORD }, headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'forbidden_origin');
    await expectIntact(email, here);
  });
});
