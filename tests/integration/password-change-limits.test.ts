/**
 * Password change is a password check, so it is throttled like sign-in (contract: 429 on
 * POST /api/auth/password; RATE_LIMIT_PER_IP counts password checks; checklist H35, H37): a
 * stolen session must not give unlimited guesses at the current password. Runs behind a trusted
 * proxy with RATE_LIMIT_PER_IP=5/15m and RATE_LIMIT_PER_ACCOUNT=3/15m.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { POST as changePassword } from '@/app/api/auth/password/route';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { MINUTE, SECOND, T0 } from '../support/env';
import { apiRequest, call, type CookieJar, expectError } from '../support/http';
import { expectNoCookies, GOOD_PASSWORD, OTHER_PASSWORD, retryAfterSeconds } from '../support/security';

const ACCOUNT_LIMIT = 3;
const IP_LIMIT = 5;

let app: TestApp;
let ipCounter = 0;
/** A new client address per request unless one is given: only the account bucket is in play. */
const nextIp = () => `198.51.100.${(ipCounter += 1)}`;

const storedHash = async (email: string) => (await app.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = ?', email))[0]?.password_hash;

async function signedIn(email: string, password: string): Promise<CookieJar> {
  const { response, jar } = await app.signIn(email, password);
  expect(response.status).toBe(200);
  return jar;
}

const change = (jar: CookieJar, currentPassword: string, newPassword: string, ip = nextIp()) =>
  call(changePassword, apiRequest('POST', '/api/auth/password', { json: { currentPassword, newPassword }, cookies: jar, headers: { 'x-real-ip': ip } }));
const login = (email: string, password: string, ip = nextIp()) => app.send('login', 'POST', { json: { email, password }, headers: { 'x-real-ip': ip } });

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: `${IP_LIMIT}/15m`, RATE_LIMIT_PER_ACCOUNT: `${ACCOUNT_LIMIT}/15m` });
  for (const email of ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']) {
    expect((await app.send('register', 'POST', { json: { email, password: GOOD_PASSWORD }, headers: { 'x-real-ip': nextIp() } })).status).toBe(201);
  }
});

beforeEach(() => {
  advanceClock(16 * MINUTE);
});

afterAll(() => {
  restoreClock();
});

describe('POST /api/auth/password is throttled like sign-in', () => {
  it('backs the account off after failed current-password checks: 429 with Retry-After, even with the right one', async () => {
    const jar = await signedIn('a@example.com', GOOD_PASSWORD);
    const before = await storedHash('a@example.com');
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) await expectError(await change(jar, `wrong-guess-${i}`, OTHER_PASSWORD), 401, 'invalid_credentials');
    const limited = await change(jar, GOOD_PASSWORD, OTHER_PASSWORD);
    await expectError(limited, 429, 'rate_limited');
    expectNoCookies(limited);
    expect(await storedHash('a@example.com')).toBe(before);
    advanceClock(retryAfterSeconds(limited) * SECOND);
    expect((await change(jar, GOOD_PASSWORD, OTHER_PASSWORD)).status).toBe(204);
  });

  it('shares the account bucket with sign-in', async () => {
    expect((await login('b@example.com', 'wrong-guess-1')).status).toBe(401);
    const jar = await signedIn('b@example.com', GOOD_PASSWORD); // success: the account starts afresh
    expect((await login('b@example.com', 'wrong-guess-2')).status).toBe(401);
    await expectError(await change(jar, 'wrong-guess-3', OTHER_PASSWORD), 401, 'invalid_credentials');
    expect((await login('b@example.com', 'wrong-guess-4')).status).toBe(401);
    await expectError(await login('b@example.com', GOOD_PASSWORD), 429, 'rate_limited');
    await expectError(await change(jar, GOOD_PASSWORD, OTHER_PASSWORD), 429, 'rate_limited');
  });

  it('counts against the client IP together with sign-in and register', async () => {
    const jar = await signedIn('c@example.com', GOOD_PASSWORD);
    const ip = '203.0.113.77';
    expect((await login('nobody-1@example.com', GOOD_PASSWORD, ip)).status).toBe(401);
    expect((await app.send('register', 'POST', { json: { email: 'e@example.com', password: GOOD_PASSWORD }, headers: { 'x-real-ip': ip } })).status).toBe(201);
    await expectError(await change(jar, 'wrong-guess-1', OTHER_PASSWORD, ip), 401, 'invalid_credentials');
    expect((await login('nobody-2@example.com', GOOD_PASSWORD, ip)).status).toBe(401);
    expect((await login('nobody-3@example.com', GOOD_PASSWORD, ip)).status).toBe(401);
    await expectError(await change(jar, GOOD_PASSWORD, OTHER_PASSWORD, ip), 429, 'rate_limited');
    await expectError(await login('c@example.com', GOOD_PASSWORD, ip), 429, 'rate_limited');
  });

  it('a successful change clears the account failures', async () => {
    const jar = await signedIn('d@example.com', GOOD_PASSWORD);
    for (let i = 0; i < ACCOUNT_LIMIT - 1; i += 1) await expectError(await change(jar, `wrong-guess-${i}`, OTHER_PASSWORD), 401, 'invalid_credentials');
    expect((await change(jar, GOOD_PASSWORD, OTHER_PASSWORD)).status).toBe(204);
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) expect((await login('d@example.com', `wrong-again-${i}`)).status).toBe(401);
    await expectError(await login('d@example.com', OTHER_PASSWORD), 429, 'rate_limited');
  });
});
