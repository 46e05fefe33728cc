/**
 * Two app instances on one database behave as one server (contract "Databases"): two module
 * graphs, each with its own configuration, Store and connection (pool), and each with its own
 * in-process caches (access-token verification, the rate limiter's refusals). Runs on SQLite (one
 * file, two connections) and on PostgreSQL (one database, two pools).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { MINUTE, SECOND, T0 } from '../support/env';
import { CookieJar, expectError, jwtPayload, type RequestOptions } from '../support/http';
import { GOOD_PASSWORD, IP_A, loadAppInstance, retryAfterSeconds, securityEvents, type AppInstance } from '../support/security';

const ACCOUNT_LIMIT = 4;
let app: TestApp;
/** The first instance (the routes startApp loaded) and a second one on the same database. */
let one: AppInstance;
let two: AppInstance;

const from = (options: RequestOptions): RequestOptions => ({ ...options, headers: { 'x-real-ip': IP_A, ...options.headers } });

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ RATE_LIMIT_PER_ACCOUNT: `${ACCOUNT_LIMIT}/15m`, TRUST_PROXY: 'true' });
  one = { send: app.send };
  // Same environment, so the same DATABASE_URL: a second server sharing the database.
  two = await loadAppInstance();
});

afterAll(() => {
  restoreClock();
});

async function signedUp(email: string): Promise<CookieJar> {
  const response = await one.send('register', 'POST', from({ json: { email, password: GOOD_PASSWORD } }));
  expect(response.status).toBe(201);
  return new CookieJar().apply(response);
}

describe('two instances, one database', () => {
  it('a session started on one is known to the other', async () => {
    const jar = await signedUp('shared@example.com');
    const me = await two.send('me', 'GET', { cookies: jar });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('shared@example.com');
  });

  it('parallel refreshes of one token spread over both instances get one successor, and the session does not fork', async () => {
    const jar = await signedUp('parallel@example.com');
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? one : two).send('refresh', 'POST', { cookies: jar })));
    expect(responses.map((response) => response.status)).toEqual(Array(12).fill(200));
    const successors = new Set(responses.map((response) => new CookieJar().apply(response).get('refresh_token')));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    const sid = String(jwtPayload(jar.get('access_token') ?? '').sid);
    const [row] = await app.query<{ generation: number; revoked_at: number | null }>('SELECT generation, revoked_at FROM sessions WHERE id = ?', sid);
    expect(row).toEqual({ generation: 1, revoked_at: null });
    // The successor works on either instance; nothing was taken for theft.
    const next = await two.send('refresh', 'POST', { cookies: { refresh_token: successor ?? '' } });
    expect(next.status).toBe(200);
    expect(await securityEvents(app, 'refresh_token_reused')).toEqual([]);
  });

  it('a revocation on one is refused at once on the other, for the access token and the refresh token', async () => {
    const jar = await signedUp('revoked@example.com');
    expect((await two.send('me', 'GET', { cookies: jar })).status).toBe(200);
    expect((await one.send('logout', 'POST', { cookies: jar })).status).toBe(204);
    // The access token has not expired, and instance two verified it a moment ago.
    await expectError(await two.send('me', 'GET', { cookies: jar }), 401, 'unauthenticated');
    await expectError(await two.send('refresh', 'POST', { cookies: jar }), 401, 'invalid_refresh_token');
  });

  it('a token reused on one instance after its rotation on the other revokes the session on both', async () => {
    const jar = await signedUp('theft@example.com');
    const rotated = await one.send('refresh', 'POST', { cookies: jar });
    expect(rotated.status).toBe(200);
    advanceClock(11 * SECOND); // past REFRESH_REUSE_INTERVAL (10 s)
    await expectError(await two.send('refresh', 'POST', { cookies: jar }), 401, 'invalid_refresh_token');
    await expectError(await one.send('refresh', 'POST', { cookies: new CookieJar().apply(rotated) }), 401, 'invalid_refresh_token');
  });

  it('per-account limits count across both instances', async () => {
    const email = 'guessed@example.com';
    await signedUp(email);
    advanceClock(15 * MINUTE + SECOND); // a fresh window for the account
    const wrong = (instance: AppInstance) => instance.send('login', 'POST', { json: { email, password: 'not-the-password-at-all' } });
    // Alternate: each instance alone sees only half of the failures.
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) expect((await wrong(i % 2 === 0 ? one : two)).status, `failure ${i + 1}`).toBe(401);
    const limitedOnOne = await one.send('login', 'POST', { json: { email, password: GOOD_PASSWORD } });
    await expectError(limitedOnOne, 429, 'rate_limited');
    const limitedOnTwo = await two.send('login', 'POST', { json: { email, password: GOOD_PASSWORD } });
    await expectError(limitedOnTwo, 429, 'rate_limited');
    // Both say the same wait: it comes from the shared row, not from each instance's memory.
    expect(Math.abs(retryAfterSeconds(limitedOnOne) - retryAfterSeconds(limitedOnTwo))).toBeLessThanOrEqual(1);
    advanceClock(retryAfterSeconds(limitedOnTwo) * SECOND);
    expect((await two.send('login', 'POST', { json: { email, password: GOOD_PASSWORD } })).status).toBe(200);
  });
});
