/**
 * The two-step sign-in (contract "Two-factor authentication"; checklist 63, 64), through the real
 * route handlers on a real database: the first step sets no auth cookie and /me stays 401; the
 * second step needs the challenge cookie of this browser, dies after 5 minutes, works once, takes a
 * TOTP code once and a recovery code once, and one challenge takes only a few wrong codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { advanceClock } from '../support/clock';
import { MINUTE, SECOND } from '../support/env';
import { CookieJar, expectAuthCookie, expectError, jwtPayload, ORIGIN, setCookies } from '../support/http';
import type { MailSink } from '../support/mail';
import { type MailTestApp, settled, startMailApp, stopMailApp } from '../support/mail-app';
import { challengeName, codeAt, nextTimeStep, firstStep, loadTwoFactorRoutes, registerWithTwoFactor, secondStep, type TwoFactorRoutes } from '../support/two-factor';

const PASSWORD = 'heron-quartz-lantern-52';

let app: TestApp;
let sink: MailSink;
let send: TwoFactorRoutes;
let started: MailTestApp | undefined;

beforeAll(async () => {
  started = await startMailApp();
  ({ app, sink } = started);
  send = await loadTwoFactorRoutes();
});

afterAll(async () => {
  await settled();
  await stopMailApp(started);
});


describe('step one: the right password of a two-factor account', () => {
  it('answers 200 {"twoFactorRequired":true} with only the challenge cookie: no access or refresh cookie, /me 401', async () => {
    const account = await registerWithTwoFactor(app, send, 'step-one@example.com', PASSWORD);
    await nextTimeStep();
    const { response, jar } = await firstStep(app, account.email, PASSWORD);
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ twoFactorRequired: true });
    const cookies = setCookies(response);
    expect([...cookies.keys()]).toStrictEqual([challengeName()]);
    const challenge = cookies.get(challengeName());
    expect(challenge?.attributes.get('httponly')).toBe(true);
    expect(String(challenge?.attributes.get('samesite')).toLowerCase()).toBe('strict');
    expect(challenge?.attributes.get('path')).toBe('/');
    expect(challenge?.attributes.get('max-age')).toBe('300');
    expect(challenge?.attributes.has('domain')).toBe(false);
    // The database holds a MAC of the challenge, never its value.
    const token = (challenge?.value ?? '').split('.')[1] ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await app.query('SELECT * FROM one_time_tokens'))).not.toContain(token);

    await expectError(await app.send('me', 'GET', { cookies: jar }), 401, 'unauthenticated');
    expect(await app.query('SELECT id FROM sessions WHERE user_id = ? AND id <> ?', await app.userIdOf(account.email), String(jwtPayload(account.jar.get('access_token') ?? '').sid))).toStrictEqual([]);
  });

  it('a wrong password is the ordinary 401 invalid_credentials, with no challenge', async () => {
    await registerWithTwoFactor(app, send, 'wrong-pw@example.com', PASSWORD);
    const { response } = await firstStep(app, 'wrong-pw@example.com', 'not-the-password-1');
    expect(response.headers.getSetCookie()).toStrictEqual([]);
    await expectError(response, 401, 'invalid_credentials');
  });

  it('an account without two-factor signs in at once, as before', async () => {
    await app.signUp('plain@example.com', PASSWORD);
    const { response } = await app.signIn('plain@example.com', PASSWORD);
    expect(response.status).toBe(200);
    expect(Object.keys((await response.json()) as object).sort()).toStrictEqual(['accessTokenExpiresAt', 'user']);
    expect([...setCookies(response).keys()].sort()).toStrictEqual(['access_token', 'refresh_token']);
  });
});

describe('step two', () => {
  it('a current code completes the sign-in: the login body, both cookies, the challenge cleared, method password+totp', async () => {
    const account = await registerWithTwoFactor(app, send, 'code@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    const response = await secondStep(send, jar, { code: await codeAt(account.setupKey) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { email: string }; accessTokenExpiresAt: string };
    expect(Object.keys(body).sort()).toStrictEqual(['accessTokenExpiresAt', 'user']);
    expect(body.user.email).toBe(account.email);
    const cookies = setCookies(response);
    expectAuthCookie(cookies, 'access_token', { maxAge: 15 * 60, secure: false });
    expect(cookies.get(challengeName())?.attributes.get('max-age')).toBe('0');
    expect(jar.get(challengeName())).toBeUndefined();

    const me = await app.send('me', 'GET', { cookies: jar });
    expect(me.status).toBe(200);
    const sid = String(jwtPayload(jar.get('access_token') ?? '').sid);
    expect(await app.query('SELECT method FROM sessions WHERE id = ?', sid)).toStrictEqual([{ method: 'password+totp' }]);
    const [succeeded] = (await app.eventsOf(await app.userIdOf(account.email), 'sign_in_succeeded')).slice(-1);
    expect(JSON.parse(succeeded?.detail ?? '{}')).toStrictEqual({ method: 'password+totp' });
  });

  it('accepts a code one step off either way, not two', async () => {
    const account = await registerWithTwoFactor(app, send, 'drift@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    await expectError(await secondStep(send, jar, { code: await codeAt(account.setupKey, Date.now() + 60 * SECOND) }), 401, 'invalid_code');
    await expectError(await secondStep(send, jar, { code: await codeAt(account.setupKey, Date.now() - 60 * SECOND) }), 401, 'invalid_code');
    expect((await secondStep(send, jar, { code: await codeAt(account.setupKey, Date.now() + 30 * SECOND) })).status).toBe(200);
    // Three steps on, the previous step's code is one the account has not used yet.
    await nextTimeStep();
    await nextTimeStep();
    await nextTimeStep();
    const again = await firstStep(app, account.email, PASSWORD, new CookieJar());
    expect((await secondStep(send, again.jar, { code: await codeAt(account.setupKey, Date.now() - 30 * SECOND) })).status).toBe(200);
  });

  it('cannot be skipped: without the challenge cookie, or with a made-up one, the right code gets 401 invalid_challenge', async () => {
    const account = await registerWithTwoFactor(app, send, 'skip@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    const code = await codeAt(account.setupKey);
    const bare = await send('second', { json: { code }, origin: ORIGIN });
    expect(bare.headers.getSetCookie()).toStrictEqual([]);
    await expectError(bare, 401, 'invalid_challenge');
    const real = jar.get(challengeName()) ?? '';
    for (const forged of ['password.' + 'A'.repeat(43), real.replace(/^password/, 'passkey'), real.slice(0, -1), `${real}x`, real.split('.')[1] ?? '']) {
      const response = await send('second', { json: { code }, cookies: { [challengeName()]: forged }, origin: ORIGIN });
      // The dead cookie is cleared.
      expect(setCookies(response).get(challengeName())?.attributes.get('max-age')).toBe('0');
      await expectError(response, 401, 'invalid_challenge');
    }
    // Two challenge cookies (one planted) are no challenge.
    await expectError(await send('second', { json: { code }, cookies: `${challengeName()}=${real}; ${challengeName()}=${real}`, origin: ORIGIN }), 401, 'invalid_challenge');
    // The real one still works: none of the above spent the code.
    expect((await secondStep(send, jar, { code })).status).toBe(200);
  });

  it('is bound to the browser and account of step one: another browser’s challenge does not sign this account in', async () => {
    const victim = await registerWithTwoFactor(app, send, 'victim@example.com', PASSWORD);
    const attacker = await registerWithTwoFactor(app, send, 'attacker@example.com', PASSWORD);
    await nextTimeStep();
    // The attacker's browser passes step one for its own account and tries the victim's code.
    const { jar: attackerBrowser } = await firstStep(app, attacker.email, PASSWORD);
    await expectError(await secondStep(send, attackerBrowser, { code: await codeAt(victim.setupKey) }), 401, 'invalid_code');
    // A newer step one of the victim's account (another browser) supersedes the first browser's challenge.
    const { jar: first } = await firstStep(app, victim.email, PASSWORD);
    const { jar: second } = await firstStep(app, victim.email, PASSWORD);
    await expectError(await secondStep(send, first, { code: await codeAt(victim.setupKey) }), 401, 'invalid_challenge');
    const done = await secondStep(send, second, { code: await codeAt(victim.setupKey) });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { user: { email: string } }).user.email).toBe(victim.email);
  });

  it('expires 5 minutes after step one', async () => {
    const account = await registerWithTwoFactor(app, send, 'expiry@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    await settled();
    advanceClock(5 * MINUTE);
    const late = await secondStep(send, jar.clone(), { code: await codeAt(account.setupKey) });
    await expectError(late, 401, 'invalid_challenge');
    // One second earlier it would still have worked.
    await nextTimeStep();
    const { jar: again } = await firstStep(app, account.email, PASSWORD);
    await settled();
    advanceClock(5 * MINUTE - SECOND);
    expect((await secondStep(send, again, { code: await codeAt(account.setupKey) })).status).toBe(200);
  });

  it('works once: the spent challenge is refused, and the same code cannot start another sign-in', async () => {
    const account = await registerWithTwoFactor(app, send, 'replay@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    const spent = jar.get(challengeName()) ?? '';
    const code = await codeAt(account.setupKey);
    expect((await secondStep(send, jar, { code })).status).toBe(200);
    await expectError(await send('second', { json: { code: await codeAt(account.setupKey, Date.now() + 30 * SECOND) }, cookies: { [challengeName()]: spent }, origin: ORIGIN }), 401, 'invalid_challenge');
    // A fresh challenge with the code already used: refused (each code once).
    const { jar: other } = await firstStep(app, account.email, PASSWORD);
    await expectError(await secondStep(send, other, { code }), 401, 'invalid_code');
    const failed = await app.eventsOf(await app.userIdOf(account.email), 'sign_in_failed');
    expect(failed.map((event) => JSON.parse(event.detail ?? '{}') as unknown)).toContainEqual({ reason: 'wrong_code' });
  });

  it('parallel second steps with one code: exactly one signs in', async () => {
    const account = await registerWithTwoFactor(app, send, 'parallel@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    const code = await codeAt(account.setupKey);
    // Five: as many as one challenge takes.
    const results = await Promise.all(Array.from({ length: 5 }, () => send('second', { json: { code }, cookies: jar.clone(), origin: ORIGIN })));
    expect(results.map((response) => response.status).sort()).toStrictEqual([200, 401, 401, 401, 401]);
    expect(await app.query('SELECT id FROM sessions WHERE user_id = ? AND method = ?', await app.userIdOf(account.email), 'password+totp')).toHaveLength(1);
  });

  it('a recovery code signs in once (method password+recovery_code), is recorded and mailed; the same code again is refused', async () => {
    const account = await registerWithTwoFactor(app, send, 'recovery@example.com', PASSWORD);
    const [recoveryCode = ''] = account.recoveryCodes;
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    // Typed in capitals without the hyphen: the same code.
    const response = await secondStep(send, jar, { recoveryCode: recoveryCode.toUpperCase().replace('-', ' ') });
    expect(response.status).toBe(200);
    const sid = String(jwtPayload(jar.get('access_token') ?? '').sid);
    expect(await app.query('SELECT method FROM sessions WHERE id = ?', sid)).toStrictEqual([{ method: 'password+recovery_code' }]);
    expect(await app.eventsOf(await app.userIdOf(account.email), 'recovery_code_used')).toHaveLength(1);
    await settled();
    const mail = await sink.waitFor(account.email, 'A recovery code was used');
    expect(mail.text).toContain('9 codes are left');
    expect(mail.text).not.toContain(recoveryCode);

    const { jar: again } = await firstStep(app, account.email, PASSWORD);
    await expectError(await secondStep(send, again, { recoveryCode }), 401, 'invalid_code');
    await expectError(await secondStep(send, again, { recoveryCode: 'aaaaa-aaaaa' }), 401, 'invalid_code');
    expect((await secondStep(send, again, { recoveryCode: account.recoveryCodes[1] ?? '' })).status).toBe(200);
  });

  it('one challenge takes 5 codes: then 429 with Retry-After, even for the right code', async () => {
    const account = await registerWithTwoFactor(app, send, 'cap@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    const right = await codeAt(account.setupKey);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i += 1) await expectError(await secondStep(send, jar, { code: wrong }), 401, 'invalid_code');
    const refused = await secondStep(send, jar, { code: right });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectError(refused, 429, 'rate_limited');
    // A new step one gives a new challenge (and the account's own limit still applies; see two-factor-limits).
    const { jar: fresh } = await firstStep(app, account.email, PASSWORD);
    expect((await secondStep(send, fresh, { code: right })).status).toBe(200);
  });

  it('a password change kills a pending challenge', async () => {
    const account = await registerWithTwoFactor(app, send, 'pwchange@example.com', PASSWORD);
    await nextTimeStep();
    const { jar } = await firstStep(app, account.email, PASSWORD);
    const { loadMailRoutes } = await import('../support/mail-app');
    const mailRoutes = await loadMailRoutes();
    expect((await mailRoutes('password', { json: { currentPassword: PASSWORD, newPassword: 'a-brand-new-passphrase-7' }, cookies: account.jar, origin: ORIGIN })).status).toBe(204);
    await expectError(await secondStep(send, jar, { code: await codeAt(account.setupKey) }), 401, 'invalid_challenge');
  });

  it('refuses bad input like every route: 400, 415, 405, 403', async () => {
    const jar = new CookieJar();
    await expectError(await send('second', { json: {}, cookies: jar, origin: ORIGIN }), 400, 'validation_error');
    await expectError(await send('second', { json: { code: '123456', recoveryCode: 'abcde-fghij' }, origin: ORIGIN }), 400, 'validation_error');
    await expectError(await send('second', { json: { code: '12345a' }, origin: ORIGIN }), 400, 'validation_error');
    await expectError(await send('second', { json: { code: 123456 }, origin: ORIGIN }), 400, 'validation_error');
    await expectError(await send('second', { json: { code: '123456', extra: true }, origin: ORIGIN }), 400, 'validation_error');
    await expectError(await send('second', { raw: 'code=123456', contentType: 'application/x-www-form-urlencoded', origin: ORIGIN }), 415, 'unsupported_media_type');
    await expectError(await send('second', {}, 'GET'), 405, 'method_not_allowed');
    await expectError(await send('second', { json: { code: '123456' }, origin: 'https://evil.example' }), 403, 'forbidden_origin');
  });
});
