/**
 * Wrong codes are rate limited per account (contract; checklist 63): they count against the same
 * backoff as wrong passwords (RATE_LIMIT_PER_ACCOUNT, 3 free here), passing the password step again
 * does not reset it, turning two-factor off with codes is limited the same way, and the limit lifts
 * by itself. Also: with COOKIE_SECURE the challenge cookie is `__Host-` and Secure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { SECOND, T0 } from '../support/env';
import { CookieJar, expectError, ORIGIN, setCookies } from '../support/http';
import { challengeName, codeAt, firstStep, loadTwoFactorRoutes, registerWithTwoFactor, secondStep, type TwoFactorRoutes } from '../support/two-factor';

const PASSWORD = 'heron-quartz-lantern-52';

let app: TestApp;
let send: TwoFactorRoutes;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ RATE_LIMIT_PER_ACCOUNT: '3/15m', COOKIE_SECURE: 'true' });
  send = await loadTwoFactorRoutes();
});

afterAll(() => restoreClock());

const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');

describe('two-factor rate limits', () => {
  it('the challenge cookie is __Host- and Secure when cookies are secure, and completes the sign-in with __Host- auth cookies', async () => {
    const account = await registerWithTwoFactor(app, send, 'secure@example.com', PASSWORD);
    advanceClock(30 * SECOND);
    const { response, jar } = await firstStep(app, account.email, PASSWORD);
    const cookie = setCookies(response).get(challengeName(true));
    expect(cookie?.attributes.get('secure')).toBe(true);
    expect(cookie?.attributes.get('path')).toBe('/');
    // The insecure name is not the challenge here.
    const plain = new CookieJar({ [challengeName(false)]: jar.get(challengeName(true)) ?? '' });
    await expectError(await secondStep(send, plain, { code: await codeAt(account.setupKey) }), 401, 'invalid_challenge');
    const done = await secondStep(send, jar, { code: await codeAt(account.setupKey) });
    expect(done.status).toBe(200);
    expect([...setCookies(done).keys()].sort()).toStrictEqual(['__Host-access_token', '__Host-refresh_token', '__Host-two_factor_challenge']);
  });

  it('wrong codes count against the account: after the free ones, 429 with Retry-After, and a new password step does not reset it', async () => {
    const account = await registerWithTwoFactor(app, send, 'limited@example.com', PASSWORD);
    advanceClock(30 * SECOND);
    const right = await codeAt(account.setupKey);
    // Attempt 1: the password. Attempts 2 and 3: wrong codes. Then the account is backed off.
    const { jar } = await firstStep(app, account.email, PASSWORD);
    await expectError(await secondStep(send, jar, { code: wrongFor(right) }), 401, 'invalid_code');
    await expectError(await secondStep(send, jar, { code: wrongFor(right) }), 401, 'invalid_code');
    const refused = await secondStep(send, jar, { code: right });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectError(refused, 429, 'rate_limited');
    // The password step is throttled too: knowing the password buys no fresh guesses.
    await expectError((await firstStep(app, account.email, PASSWORD)).response, 429, 'rate_limited');

    // The backoff ends by itself; the right code then signs in and clears the failures.
    advanceClock(30 * SECOND);
    const later = await secondStep(send, jar, { code: await codeAt(account.setupKey) });
    expect(later.status).toBe(200);
    advanceClock(30 * SECOND);
    const { jar: next } = await firstStep(app, account.email, PASSWORD);
    await expectError(await secondStep(send, next, { code: wrongFor(await codeAt(account.setupKey)) }), 401, 'invalid_code');
    expect((await secondStep(send, next, { code: await codeAt(account.setupKey) })).status).toBe(200);
  });

  it('turning two-factor off with wrong codes is limited the same way', async () => {
    const account = await registerWithTwoFactor(app, send, 'off-limited@example.com', PASSWORD);
    advanceClock(30 * SECOND);
    const post = (json: unknown) => send('disable', { json, cookies: account.jar, origin: ORIGIN });
    const right = await codeAt(account.setupKey);
    for (let i = 0; i < 3; i += 1) await expectError(await post({ code: wrongFor(right) }), 401, 'invalid_code');
    await expectError(await post({ code: right }), 429, 'rate_limited');
    await expectError(await post({ password: PASSWORD }), 429, 'rate_limited');
    advanceClock(30 * SECOND);
    expect((await post({ code: await codeAt(account.setupKey) })).status).toBe(204);
  });
});
