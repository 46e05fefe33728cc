/**
 * Turning two-factor authentication on and off from /account (contract "Two-factor
 * authentication"; checklist 63): the setup's secret is 160 bits and sealed at rest, turning on
 * needs a valid first code and returns 10 recovery codes stored only as MACs, turning off needs the
 * password or a code; each change is a security event and a notice mail; deleting the account
 * deletes it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { SECOND } from '../support/env';
import { type CookieJar, expectError, ORIGIN } from '../support/http';
import type { MailSink } from '../support/mail';
import { type MailTestApp, settled, startMailApp, stopMailApp } from '../support/mail-app';
import { codeAt, firstStep, nextTimeStep, loadTwoFactorRoutes, registerWithTwoFactor, secondStep, type TwoFactorRoutes } from '../support/two-factor';

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

async function signedUp(email: string): Promise<CookieJar> {
  const { response, jar } = await app.signUp(email, PASSWORD);
  expect(response.status).toBe(201);
  return jar;
}

async function startSetup(jar: CookieJar): Promise<{ setupKey: string; uri: string; qrSvg: string }> {
  const response = await send('setup', { cookies: jar, origin: ORIGIN });
  expect(response.status).toBe(200);
  return (await response.json()) as { setupKey: string; uri: string; qrSvg: string };
}

/** Whether signing in with the password alone still gives a session (two-factor off). */
async function signsInWithPasswordAlone(email: string): Promise<boolean> {
  const { response } = await firstStep(app, email, PASSWORD);
  expect(response.status).toBe(200);
  return !('twoFactorRequired' in ((await response.json()) as object));
}

describe('turning two-factor on', () => {
  it('needs a signed-in caller', async () => {
    await expectError(await send('setup', { origin: ORIGIN }), 401, 'unauthenticated');
    await expectError(await send('enable', { json: { code: '123456' }, origin: ORIGIN }), 401, 'unauthenticated');
    await expectError(await send('disable', { json: { password: PASSWORD }, origin: ORIGIN }), 401, 'unauthenticated');
  });

  it('setup returns a 160-bit setup key, its otpauth URI and an SVG QR code; the database keeps only a sealed secret', async () => {
    const email = 'setup@example.com';
    const jar = await signedUp(email);
    const { setupKey, uri, qrSvg } = await startSetup(jar);
    expect(setupKey).toMatch(/^[A-Z2-7]{32}$/);
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(decodeURIComponent(uri)).toContain(`localhost:3000:${email}`);
    expect(parsed.searchParams.get('secret')).toBe(setupKey);
    expect(parsed.searchParams.get('issuer')).toBe('localhost:3000');
    expect(qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(qrSvg).not.toMatch(/<script|href=/i);
    const rows = await app.query<{ secret: string; enabled_at: number | null }>('SELECT secret, enabled_at FROM two_factor WHERE user_id = ?', await app.userIdOf(email));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.enabled_at).toBeNull();
    expect(rows[0]?.secret).not.toContain(setupKey);
    expect(JSON.stringify(rows)).not.toContain(setupKey.toLowerCase());
    // Pending is not on: the password alone still signs in.
    expect(await signsInWithPasswordAlone(email)).toBe(true);
  });

  it('a wrong code, or one two steps off, turns nothing on; the current one does, with 10 recovery codes stored as MACs, an event and a mail', async () => {
    const email = 'enable@example.com';
    const jar = await signedUp(email);
    const { setupKey } = await startSetup(jar);
    const code = await codeAt(setupKey);
    await expectError(await send('enable', { json: { code: code === '000000' ? '111111' : '000000' }, cookies: jar, origin: ORIGIN }), 401, 'invalid_code');
    await expectError(await send('enable', { json: { code: await codeAt(setupKey, Date.now() + 60 * SECOND) }, cookies: jar, origin: ORIGIN }), 401, 'invalid_code');
    await expectError(await send('enable', { json: { code: 'abc' }, cookies: jar, origin: ORIGIN }), 400, 'validation_error');
    expect(await signsInWithPasswordAlone(email)).toBe(true);

    const response = await send('enable', { json: { code: `${code.slice(0, 3)} ${code.slice(3)}` }, cookies: jar, origin: ORIGIN });
    expect(response.status).toBe(200);
    const { recoveryCodes } = (await response.json()) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    for (const each of recoveryCodes) expect(each).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    const userId = await app.userIdOf(email);
    const stored = await app.query<{ code_hash: string; used_at: number | null }>('SELECT code_hash, used_at FROM recovery_codes WHERE user_id = ?', userId);
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored);
    for (const each of recoveryCodes) {
      expect(dump).not.toContain(each);
      expect(dump).not.toContain(each.replace('-', ''));
    }
    expect(await app.eventsOf(userId, 'two_factor_enabled')).toHaveLength(1);
    await settled();
    const mail = await sink.waitFor(email, 'Two-factor authentication was turned on');
    expect(mail.text).toContain(`${ORIGIN}/account`);
    expect(mail.text).not.toContain(setupKey);

    // Now on: a second setup or enable is refused, and the password alone no longer signs in.
    await expectError(await send('setup', { cookies: jar, origin: ORIGIN }), 409, 'two_factor_enabled');
    await expectError(await send('enable', { json: { code }, cookies: jar, origin: ORIGIN }), 409, 'two_factor_enabled');
    expect(await signsInWithPasswordAlone(email)).toBe(false);
    // The code that turned it on was used: it cannot sign in.
    const { jar: browser } = await firstStep(app, email, PASSWORD);
    await expectError(await secondStep(send, browser, { code }), 401, 'invalid_code');
  });

  it('enable without a setup is 409 two_factor_setup_missing; a restarted setup invalidates the old key', async () => {
    const jar = await signedUp('restart@example.com');
    await expectError(await send('enable', { json: { code: '123456' }, cookies: jar, origin: ORIGIN }), 409, 'two_factor_setup_missing');
    const first = await startSetup(jar);
    const second = await startSetup(jar);
    expect(second.setupKey).not.toBe(first.setupKey);
    await nextTimeStep();
    await expectError(await send('enable', { json: { code: await codeAt(first.setupKey) }, cookies: jar, origin: ORIGIN }), 401, 'invalid_code');
    expect((await send('enable', { json: { code: await codeAt(second.setupKey) }, cookies: jar, origin: ORIGIN })).status).toBe(200);
  });
});

describe('turning two-factor off', () => {
  it('needs proof: nothing, a wrong password or a wrong code is refused, and it stays on', async () => {
    const account = await registerWithTwoFactor(app, send, 'off-refused@example.com', PASSWORD);
    const post = (json: unknown) => send('disable', { json, cookies: account.jar, origin: ORIGIN });
    await expectError(await post({}), 400, 'validation_error');
    await expectError(await post({ password: PASSWORD, code: '123456' }), 400, 'validation_error');
    await expectError(await post({ password: 'not-the-password-1' }), 401, 'invalid_credentials');
    await nextTimeStep();
    const right = await codeAt(account.setupKey);
    await expectError(await post({ code: right === '000000' ? '111111' : '000000' }), 401, 'invalid_code');
    await expectError(await post({ recoveryCode: 'aaaaa-aaaaa' }), 401, 'invalid_code');
    expect(await signsInWithPasswordAlone(account.email)).toBe(false);
    expect(await app.eventsOf(await app.userIdOf(account.email), 'two_factor_disabled')).toStrictEqual([]);
  });

  it('with the password: 204, an event, a mail, and the password alone signs in again', async () => {
    const account = await registerWithTwoFactor(app, send, 'off-password@example.com', PASSWORD);
    expect((await send('disable', { json: { password: PASSWORD }, cookies: account.jar, origin: ORIGIN })).status).toBe(204);
    const userId = await app.userIdOf(account.email);
    const [event] = await app.eventsOf(userId, 'two_factor_disabled');
    expect(JSON.parse(event?.detail ?? '{}')).toStrictEqual({ proof: 'password' });
    expect(await app.query('SELECT * FROM two_factor WHERE user_id = ?', userId)).toStrictEqual([]);
    expect(await app.query('SELECT * FROM recovery_codes WHERE user_id = ?', userId)).toStrictEqual([]);
    await settled();
    await sink.waitFor(account.email, 'Two-factor authentication was turned off');
    expect(await signsInWithPasswordAlone(account.email)).toBe(true);
    await expectError(await send('disable', { json: { password: PASSWORD }, cookies: account.jar, origin: ORIGIN }), 409, 'two_factor_not_enabled');
  });

  it('with a current code (spent by it) or a recovery code', async () => {
    const byCode = await registerWithTwoFactor(app, send, 'off-code@example.com', PASSWORD);
    await nextTimeStep();
    expect((await send('disable', { json: { code: await codeAt(byCode.setupKey) }, cookies: byCode.jar, origin: ORIGIN })).status).toBe(204);
    expect(await signsInWithPasswordAlone(byCode.email)).toBe(true);

    const byRecovery = await registerWithTwoFactor(app, send, 'off-recovery@example.com', PASSWORD);
    expect((await send('disable', { json: { recoveryCode: byRecovery.recoveryCodes[3] }, cookies: byRecovery.jar, origin: ORIGIN })).status).toBe(204);
    const userId = await app.userIdOf(byRecovery.email);
    expect(await app.eventsOf(userId, 'recovery_code_used')).toHaveLength(1);
    expect(JSON.parse((await app.eventsOf(userId, 'two_factor_disabled'))[0]?.detail ?? '{}')).toStrictEqual({ proof: 'recovery_code' });
    // The code that turned it on cannot turn it off (used once already).
    const replay = await registerWithTwoFactor(app, send, 'off-replay@example.com', PASSWORD);
    await expectError(await send('disable', { json: { code: await codeAt(replay.setupKey) }, cookies: replay.jar, origin: ORIGIN }), 401, 'invalid_code');
  });
});

describe('deleting the account', () => {
  it('deletes the authenticator and the recovery codes; the address registers again without two-factor', async () => {
    const account = await registerWithTwoFactor(app, send, 'delete-2fa@example.com', PASSWORD);
    const userId = await app.userIdOf(account.email);
    // The mails of registering and enabling have gone before the account goes.
    await settled();
    expect((await send('account', { json: { password: PASSWORD }, cookies: account.jar, origin: ORIGIN }, 'DELETE')).status).toBe(204);
    expect(await app.query('SELECT * FROM two_factor WHERE user_id = ?', userId)).toStrictEqual([]);
    expect(await app.query('SELECT * FROM recovery_codes WHERE user_id = ?', userId)).toStrictEqual([]);
    await signedUp(account.email);
    expect(await signsInWithPasswordAlone(account.email)).toBe(true);
  });
});
