/**
 * Rate limits with the shipped defaults (RATE_LIMIT_PER_ACCOUNT 10/15m, RATE_LIMIT_PER_IP 100/15m,
 * TRUST_PROXY off): proves the limits bite as configured out of the box (checklist G34, H35).
 * Every test starts in fresh windows: the clock moves past the 15-minute window first.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS } from '@/lib/auth/rate-limit';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { MINUTE, SECOND, T0 } from '../support/env';
import { expectError } from '../support/http';
import { expectNoCookies, GOOD_PASSWORD, OTHER_PASSWORD, rateLimitRows, retryAfterSeconds, securityEvents, USER_AGENT } from '../support/security';

const WINDOW = 15 * MINUTE;
const ACCOUNT_LIMIT = 10;
const IP_LIMIT = 100;

let app: TestApp;

const login = (email: string, password: string) => app.send('login', 'POST', { json: { email, password }, headers: { 'user-agent': USER_AGENT } });

/** Makes `count` failed sign-ins on an email and checks each is an ordinary 401. */
async function failSignIns(email: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const response = await login(email, `wrong-password-${i}`);
    expect(response.status, `failed sign-in ${i + 1} on ${email}`).toBe(401);
  }
}

beforeAll(async () => {
  freezeClock(T0);
  // Unset both limits and the proxy setting: the app's own defaults apply.
  app = await startApp({ RATE_LIMIT_PER_ACCOUNT: undefined, RATE_LIMIT_PER_IP: undefined, TRUST_PROXY: undefined });
  for (const email of ['owner@example.com', 'bystander@example.com', 'patient@example.com', 'steady@example.com']) {
    expect((await app.signUp(email, GOOD_PASSWORD)).response.status).toBe(201);
  }
});

beforeEach(() => {
  advanceClock(WINDOW + MINUTE);
});

afterAll(() => {
  restoreClock();
});

describe('per-account limit with the default 10/15m', () => {
  it('refuses the 11th attempt on one email with 429 rate_limited and Retry-After, even with the right password', async () => {
    await failSignIns('owner@example.com', ACCOUNT_LIMIT);
    const response = await login('owner@example.com', GOOD_PASSWORD);
    await expectError(response, 429, 'rate_limited');
    expect(retryAfterSeconds(response)).toBe(BACKOFF_BASE_MS / SECOND);
    expectNoCookies(response);
    // The refusal is recorded once for the account, with the client's user agent.
    const limited = (await securityEvents(app, 'rate_limited')).filter((event) => event.at === Date.now());
    expect(limited).toHaveLength(1);
    expect(JSON.parse(limited[0]?.detail ?? '{}')).toMatchObject({ scope: 'account' });
    expect(limited[0]?.user_agent).toBe(USER_AGENT);
  });

  it('treats an email nobody registered exactly like an existing one: same status, body and headers (G34)', async () => {
    await failSignIns('owner@example.com', ACCOUNT_LIMIT);
    await failSignIns('ghost@example.com', ACCOUNT_LIMIT);
    const existing = await login('owner@example.com', GOOD_PASSWORD);
    const unknown = await login('ghost@example.com', GOOD_PASSWORD);
    expect(existing.status).toBe(429);
    expect(unknown.status).toBe(existing.status);
    expect([...unknown.headers].sort()).toEqual([...existing.headers].sort());
    expect(await unknown.text()).toBe(await existing.text());
  });

  it('leaves other emails alone while one is backed off', async () => {
    await failSignIns('owner@example.com', ACCOUNT_LIMIT);
    expect((await login('owner@example.com', GOOD_PASSWORD)).status).toBe(429);
    const other = await login('bystander@example.com', GOOD_PASSWORD);
    expect(other.status).toBe(200);
    expect(other.headers.getSetCookie()).toHaveLength(2);
  });

  it('counts emails case-insensitively and trimmed: variants share one bucket', async () => {
    await failSignIns('owner@example.com', ACCOUNT_LIMIT);
    const response = await login('  OWNER@Example.COM ', GOOD_PASSWORD);
    await expectError(response, 429, 'rate_limited');
  });

  it('allows one attempt again after Retry-After, then doubles the wait', async () => {
    await failSignIns('owner@example.com', ACCOUNT_LIMIT);
    const first = await login('owner@example.com', 'still-wrong-password');
    const wait = retryAfterSeconds(first);
    advanceClock(wait * SECOND - 1);
    expect((await login('owner@example.com', GOOD_PASSWORD)).status, 'one millisecond early').toBe(429);
    advanceClock(1);
    expect((await login('owner@example.com', 'still-wrong-password')).status, 'after the wait').toBe(401);
    const second = await login('owner@example.com', GOOD_PASSWORD);
    expect(second.status).toBe(429);
    expect(retryAfterSeconds(second)).toBe(2 * wait);
    advanceClock(2 * wait * SECOND);
    expect((await login('owner@example.com', GOOD_PASSWORD)).status, 'the owner gets in after the wait').toBe(200);
  });

  it('never makes anyone wait more than 15 minutes, however long the attack goes on, and lets the owner in', async () => {
    const waits: number[] = [];
    // An hour (four windows) of an attacker trying a wrong password whenever the server allows one.
    const end = Date.now() + 60 * MINUTE;
    while (Date.now() < end) {
      const response = await login('patient@example.com', 'attacker-guess-123');
      if (response.status === 429) {
        const wait = retryAfterSeconds(response);
        waits.push(wait);
        advanceClock(wait * SECOND);
      } else {
        expect(response.status).toBe(401);
      }
    }
    // The account's backoff doubles from its base (so these are not the per-IP window's refusals) ...
    const base = BACKOFF_BASE_MS / SECOND;
    expect(waits.slice(0, 4)).toEqual([base, 2 * base, 4 * base, 8 * base]);
    // ... and is capped: never past 15 minutes, never for good.
    expect(Math.max(...waits)).toBeLessThanOrEqual(WINDOW / SECOND);
    // Whatever state the attack left, the owner who waits as told gets in.
    const refused = await login('patient@example.com', GOOD_PASSWORD);
    if (refused.status === 429) advanceClock(retryAfterSeconds(refused) * SECOND);
    else expect(refused.status).toBe(200);
    expect((await login('patient@example.com', GOOD_PASSWORD)).status).toBe(200);
  });

  it('clears the failures after a successful sign-in', async () => {
    await failSignIns('steady@example.com', ACCOUNT_LIMIT - 1);
    expect((await login('steady@example.com', GOOD_PASSWORD)).status).toBe(200);
    expect((await rateLimitRows(app)).map((row) => row.key)).not.toContain('account:steady@example.com');
    // A full free budget again: without the reset the 2nd failure here would be the 11th.
    await failSignIns('steady@example.com', ACCOUNT_LIMIT);
    expect((await login('steady@example.com', OTHER_PASSWORD)).status).toBe(429);
  });
});

describe('per-IP limit with the default 100/15m', () => {
  it('refuses the 101st attempt from one client, whatever the email', async () => {
    for (let i = 0; i < IP_LIMIT; i += 1) {
      const response = await login(`visitor-${i}@example.com`, GOOD_PASSWORD);
      expect(response.status, `attempt ${i + 1}`).toBe(401);
    }
    const response = await login('owner@example.com', GOOD_PASSWORD);
    await expectError(response, 429, 'rate_limited');
    expect(retryAfterSeconds(response)).toBe(WINDOW / SECOND);
    expectNoCookies(response);
    const register = await app.send('register', 'POST', { json: { email: 'newcomer@example.com', password: GOOD_PASSWORD } });
    await expectError(register, 429, 'rate_limited');
    expectNoCookies(register);
  });
});
