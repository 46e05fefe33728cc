/**
 * Per-IP rate limits behind a trusted proxy (TRUST_PROXY=true, RATE_LIMIT_PER_IP=5/15m):
 * separate buckets per client, one bucket shared by register, sign-in and failed refreshes
 * (checklist H35–H37), `rate_limited` events, and counters that live in the database, so they
 * hold across a restart and across instances sharing it. Every test starts in a fresh window.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { MINUTE, SECOND, T0 } from '../support/env';
import { CookieJar, expectError, type RequestOptions } from '../support/http';
import { expectNoCookies, GOOD_PASSWORD, IP_A, IP_B, IP_C, loadAppInstance, rateLimitRows, retryAfterSeconds, securityEvents, USER_AGENT } from '../support/security';

const WINDOW = 15 * MINUTE;
const IP_LIMIT = 5;

let app: TestApp;

const from = (ip: string, options: RequestOptions = {}): RequestOptions => ({ ...options, headers: { 'x-real-ip': ip, 'user-agent': USER_AGENT, ...options.headers } });
const wrongLogin = (ip: string) => app.send('login', 'POST', from(ip, { json: { email: 'user@example.com', password: 'not-the-password' } }));
/** Shaped like a refresh token, but no session has this id: a failed refresh. */
const FORGED_REFRESH = `${'A'.repeat(22)}.0.${'A'.repeat(43)}`;
const badRefresh = (ip: string) => app.send('refresh', 'POST', from(ip, { cookies: { refresh_token: FORGED_REFRESH } }));

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ RATE_LIMIT_PER_IP: `${IP_LIMIT}/15m`, TRUST_PROXY: 'true' });
  expect((await app.signUp('user@example.com', GOOD_PASSWORD)).response.status).toBe(201);
});

beforeEach(() => {
  advanceClock(WINDOW + MINUTE);
});

afterAll(() => {
  restoreClock();
});

describe('per-IP buckets behind a trusted proxy', () => {
  it('limits one IP at its 6th attempt and leaves another IP alone', async () => {
    for (let i = 0; i < IP_LIMIT; i += 1) expect((await wrongLogin(IP_A)).status, `attempt ${i + 1}`).toBe(401);
    const limited = await app.send('login', 'POST', from(IP_A, { json: { email: 'user@example.com', password: GOOD_PASSWORD } }));
    await expectError(limited, 429, 'rate_limited');
    const wait = retryAfterSeconds(limited);
    expect(wait).toBeLessThanOrEqual(WINDOW / SECOND);
    expectNoCookies(limited);
    expect((await wrongLogin(IP_B)).status).toBe(401);
    const other = await app.send('login', 'POST', from(IP_B, { json: { email: 'user@example.com', password: GOOD_PASSWORD } }));
    expect(other.status).toBe(200);
    // The window ends when Retry-After said it would.
    advanceClock(wait * SECOND);
    expect((await wrongLogin(IP_A)).status).toBe(401);
  });

  it('takes the last X-Forwarded-For entry (the one the proxy appended), so entries the client wrote buy nothing', async () => {
    for (let i = 0; i < IP_LIMIT + 2; i += 1) {
      const response = await app.send('login', 'POST', {
        json: { email: 'user@example.com', password: 'not-the-password' },
        headers: { 'x-forwarded-for': `10.0.0.${i}, 192.0.2.${i}, ${IP_C}` },
      });
      expect(response.status, `attempt ${i + 1}`).toBe(i < IP_LIMIT ? 401 : 429);
    }
  });

  it('shares one bucket between register, sign-in and failed refreshes (H37)', async () => {
    expect((await app.send('register', 'POST', from(IP_A, { json: { email: 'shared-1@example.com', password: GOOD_PASSWORD } }))).status).toBe(201);
    expect((await wrongLogin(IP_A)).status).toBe(401);
    expect((await wrongLogin(IP_A)).status).toBe(401);
    await expectError(await badRefresh(IP_A), 401, 'invalid_refresh_token');
    await expectError(await badRefresh(IP_A), 401, 'invalid_refresh_token');
    // Five attempts of three kinds used the bucket up: every kind is now refused.
    const register = await app.send('register', 'POST', from(IP_A, { json: { email: 'shared-2@example.com', password: GOOD_PASSWORD } }));
    await expectError(register, 429, 'rate_limited');
    expectNoCookies(register);
    expect(await app.query('SELECT id FROM users WHERE email = ?', 'shared-2@example.com')).toEqual([]);
    await expectError(await app.send('login', 'POST', from(IP_A, { json: { email: 'user@example.com', password: GOOD_PASSWORD } })), 429, 'rate_limited');
    const refresh = await badRefresh(IP_A);
    await expectError(refresh, 429, 'rate_limited');
    retryAfterSeconds(refresh);
  });

  it('counts failed refreshes only: successful ones cost nothing', async () => {
    const signedIn = await app.send('login', 'POST', from(IP_B, { json: { email: 'user@example.com', password: GOOD_PASSWORD } }));
    expect(signedIn.status).toBe(200);
    const jar = new CookieJar().apply(signedIn);
    for (let i = 0; i < 3 * IP_LIMIT; i += 1) {
      const response = await app.send('refresh', 'POST', from(IP_B, { cookies: jar }));
      expect(response.status, `refresh ${i + 1}`).toBe(200);
      jar.apply(response);
    }
    // The sign-in was one attempt; four more are allowed, the fifth after them is not.
    for (let i = 0; i < IP_LIMIT - 1; i += 1) expect((await wrongLogin(IP_B)).status, `attempt ${i + 2}`).toBe(401);
    await expectError(await wrongLogin(IP_B), 429, 'rate_limited');
  });

  it('never refuses an authentic refresh token, but answers 429 to bad ones from a limited IP', async () => {
    const signedIn = await app.send('login', 'POST', from(IP_C, { json: { email: 'user@example.com', password: GOOD_PASSWORD } }));
    const jar = new CookieJar().apply(signedIn);
    for (let i = 0; i < IP_LIMIT - 1; i += 1) expect((await wrongLogin(IP_C)).status).toBe(401);
    // The IP's window is used up: a guessed token is refused with 429 and spends nothing...
    const limited = await badRefresh(IP_C);
    await expectError(limited, 429, 'rate_limited');
    expect(retryAfterSeconds(limited)).toBeGreaterThan(0);
    // ...but the signed-in user's own refresh still works: filling a bucket must not sign anyone out.
    const own = await app.send('refresh', 'POST', from(IP_C, { cookies: jar }));
    expect(own.status).toBe(200);
  });
});

describe('rate_limited security events', () => {
  it('stores one event per key and window, with the IP and user agent', async () => {
    const before = (await securityEvents(app, 'rate_limited')).length;
    for (let i = 0; i < IP_LIMIT; i += 1) expect((await wrongLogin(IP_A)).status).toBe(401);
    for (let i = 0; i < 3; i += 1) expect((await wrongLogin(IP_A)).status).toBe(429);
    expect((await badRefresh(IP_A)).status).toBe(429);
    const events = (await securityEvents(app, 'rate_limited')).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ip: IP_A, user_agent: USER_AGENT, at: Date.now() });
    expect(JSON.parse(events[0]?.detail ?? '{}')).toMatchObject({ scope: 'ip', action: 'sign_in' });
    // Another key in the same window gets its own event; the same key in a new window, a new one.
    for (let i = 0; i < IP_LIMIT + 1; i += 1) await wrongLogin(IP_B);
    advanceClock(WINDOW + SECOND);
    for (let i = 0; i < IP_LIMIT + 2; i += 1) await wrongLogin(IP_A);
    const all = (await securityEvents(app, 'rate_limited')).slice(before);
    expect(all.map((event) => event.ip)).toEqual([IP_A, IP_B, IP_A]);
  });
});

describe('limits are stored in the database', () => {
  it('keeps the counters in rate_limits and holds them across a restart and in a second instance', async () => {
    for (let i = 0; i < IP_LIMIT; i += 1) expect((await wrongLogin(IP_A)).status).toBe(401);
    const row = (await rateLimitRows(app)).find((r) => r.key === `ip:${IP_A}`);
    expect(row).toMatchObject({ count: IP_LIMIT, window_start: Date.now() });
    // A new instance: modules, configuration and database connection loaded afresh, same file.
    const second = await loadAppInstance();
    const response = await second.send('login', 'POST', from(IP_A, { json: { email: 'user@example.com', password: GOOD_PASSWORD } }));
    await expectError(response, 429, 'rate_limited');
    expectNoCookies(response);
    // And what the second instance counts, the first one sees.
    for (let i = 0; i < IP_LIMIT; i += 1) expect((await second.send('login', 'POST', from(IP_B, { json: { email: 'user@example.com', password: 'nope-nope-nope' } }))).status).toBe(401);
    await expectError(await wrongLogin(IP_B), 429, 'rate_limited');
  });
});
