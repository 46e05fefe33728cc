/**
 * Password reset by mail (contract "Email"; checklist O59–O62), through a real SMTP server: the
 * forgot answer is the same for known and unknown addresses and only a known one gets a mail; the
 * link in the mail resets the password once, revokes every session, expires, is superseded by a
 * newer one and dies with a password change; a notice mail follows; nothing secret is logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecurityEventRow, type SessionRow, type TestApp } from '../support/app';
import { advanceClock } from '../support/clock';
import { MINUTE, SECOND } from '../support/env';
import { expectError, jwtPayload, ORIGIN, type CookieJar } from '../support/http';
import { linkIn, type MailSink } from '../support/mail';
import { captureLogs, type MailRoute, type MailRoutes, type MailTestApp, settled, startMailApp, stopMailApp } from '../support/mail-app';

const OLD = 'heron-quartz-lantern-52';
const NEW = 'maple-sextant-orbit-903';
const FROM = 'Token Auth <auth@mail.example.test>';

let app: TestApp;
let sink: MailSink;
let send: MailRoutes;
let logs: string[];
/** Every token and password this file used, checked against the logs at the end. */
const secrets = new Set<string>([OLD, NEW]);

let started: MailTestApp | undefined;

beforeAll(async () => {
  started = await startMailApp({ MAIL_FROM: FROM });
  ({ app, sink, send } = started);
  logs = captureLogs();
});

afterAll(() => stopMailApp(started));

const post = (name: MailRoute, json: unknown, extra: { cookies?: CookieJar } = {}) => send(name, { json, origin: ORIGIN, ...extra });

async function register(email: string): Promise<CookieJar> {
  const { response, jar } = await app.signUp(email, OLD);
  expect(response.status).toBe(201);
  await settled();
  return jar;
}

/** Asks for a reset link and returns its token from the mail (the `n`-th reset mail to that address). */
async function resetLink(email: string, n: number): Promise<{ url: string; token: string }> {
  const response = await post('forgot', { email });
  expect(response.status).toBe(202);
  await settled();
  const mail = await sink.waitFor(email, 'Reset your password', { after: n });
  const link = linkIn(mail, ORIGIN, '/reset-password');
  secrets.add(link.token);
  return link;
}

describe('POST /api/auth/password/forgot', () => {
  it('answers a known and an unknown address with the same status, headers and body; only the known one gets a mail', async () => {
    const known = 'known@example.com';
    await register(known);
    const unknown = 'nobody-here@example.com';

    const a = await post('forgot', { email: known });
    const b = await post('forgot', { email: unknown });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    const bodyA = await a.text();
    expect(bodyA).toBe(await b.text());
    expect(JSON.parse(bodyA)).toEqual({ message: expect.any(String) });
    expect([...a.headers.entries()]).toEqual([...b.headers.entries()]);
    expect(a.headers.getSetCookie()).toEqual([]);

    await settled();
    const mail = await sink.waitFor(known, 'Reset your password');
    expect(mail.from).toBe('"Token Auth" <auth@mail.example.test>');
    expect(mail.text).toContain(`${ORIGIN}/reset-password?token=`);
    expect(mail.html).toContain('/reset-password?token=');
    const { token } = linkIn(mail, ORIGIN, '/reset-password');
    secrets.add(token);
    // 256 bits, base64url; the database keeps only a MAC of it.
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const rows = await app.query<{ id: string; kind: string }>('SELECT id, kind FROM one_time_tokens WHERE user_id = ?', await app.userIdOf(known));
    expect(rows.map((row) => row.kind)).toContain('password_reset');
    for (const row of rows) expect(row.id).not.toContain(token);
    expect(JSON.stringify(await app.query('SELECT * FROM one_time_tokens'))).not.toContain(token);

    expect(sink.to(unknown)).toEqual([]);
    // The request's own work is the same for both: one per-address counter each, and the known
    // account's lookups happen after the answer.
    expect(await app.query('SELECT key FROM rate_limits WHERE key IN (?, ?)', `mailbox:${known}`, `mailbox:${unknown}`)).toHaveLength(2);
    const events = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE type = ?', 'password_reset_requested');
    expect(events.map((event) => event.user_id)).toEqual([await app.userIdOf(known)]);
  });

  it('takes the address as typed, trimmed and case-insensitive', async () => {
    await register('mixed@example.com');
    expect((await post('forgot', { email: '  Mixed@Example.COM ' })).status).toBe(202);
    await settled();
    await sink.waitFor('mixed@example.com', 'Reset your password');
  });

  it('refuses bad input like every other route', async () => {
    await expectError(await post('forgot', { email: 'not an address' }), 400, 'validation_error');
    await expectError(await post('forgot', {}), 400, 'validation_error');
    await expectError(await send('forgot', { raw: 'email=a@b.c', contentType: 'application/x-www-form-urlencoded', origin: ORIGIN }), 415, 'unsupported_media_type');
    await expectError(await send('forgot', { json: { email: 'a@example.com' }, origin: 'https://evil.example' }), 403, 'forbidden_origin');
    await expectError(await send('forgot', {}, 'GET'), 405, 'method_not_allowed');
  });

  it('limits mails per address (known or not) to a few per window, with Retry-After, then allows again', async () => {
    for (const email of ['limited@example.com', 'limited-unknown@example.com']) {
      if (email === 'limited@example.com') await register(email);
      for (let i = 0; i < 3; i += 1) expect((await post('forgot', { email })).status).toBe(202);
      const refused = await post('forgot', { email });
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      await expectError(refused, 429, 'rate_limited');
    }
    await settled();
    expect(sink.to('limited@example.com').filter((mail) => mail.subject.includes('Reset your password'))).toHaveLength(3);
    advanceClock(15 * MINUTE);
    expect((await post('forgot', { email: 'limited@example.com' })).status).toBe(202);
    await settled();
  });
});

describe('POST /api/auth/password/reset', () => {
  it('sets the new password, revokes every session (refresh and /me fail), spends the link, records the event and sends a notice', async () => {
    const email = 'resetter@example.com';
    const first = await register(email);
    const second = (await app.signIn(email, OLD)).jar;
    const sids = [first, second].map((jar) => String(jwtPayload(jar.get('access_token') ?? '').sid));
    const { token } = await resetLink(email, 0);

    advanceClock(SECOND);
    const response = await post('reset', { token, newPassword: NEW });
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()).toEqual([]);

    for (const jar of [first, second]) {
      await expectError(await app.send('me', 'GET', { cookies: jar }), 401, 'unauthenticated');
      await expectError(await app.send('refresh', 'POST', { cookies: jar.clone() }), 401, 'invalid_refresh_token');
    }
    for (const sid of sids) expect((await app.query<SessionRow>('SELECT * FROM sessions WHERE id = ?', sid))[0]?.revoked_reason).toBe('password_reset');

    await expectError((await app.signIn(email, OLD)).response, 401, 'invalid_credentials');
    const signedIn = await app.signIn(email, NEW);
    expect(signedIn.response.status).toBe(200);
    // The link proved the mailbox: the address counts as verified from now on.
    expect(((await signedIn.response.json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(true);

    await expectError(await post('reset', { token, newPassword: 'another-fine-password-77' }), 400, 'invalid_token');

    const userId = await app.userIdOf(email);
    const events = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? AND type = ?', userId, 'password_reset');
    expect(events).toHaveLength(1);
    await settled();
    const notice = await sink.waitFor(email, 'Your password was changed');
    expect(notice.text).toContain(`${ORIGIN}/account`);
    for (const secret of [OLD, NEW, token]) expect(notice.raw).not.toContain(secret);
  });

  it('keeps the link when the new password breaks the rules (400 validation_error), and refuses malformed tokens', async () => {
    const email = 'policy@example.com';
    await register(email);
    const { token } = await resetLink(email, 0);
    const refused = await expectError(await post('reset', { token, newPassword: 'short' }), 400, 'validation_error');
    expect(Object.keys(refused.error.fields ?? {})).toEqual(['newPassword']);
    await expectError(await post('reset', { token, newPassword: email }), 400, 'validation_error');
    // Another canonical token (the last of 43 characters carries 4 bits: A, E, I, …): one of them is never this one.
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'E' : 'A'}`;
    expect(tampered).not.toBe(token);
    await expectError(await post('reset', { token: tampered, newPassword: NEW }), 400, 'invalid_token');
    await expectError(await post('reset', { token: 'x', newPassword: NEW }), 400, 'invalid_token');
    await expectError(await post('reset', { token: `${token}=`, newPassword: NEW }), 400, 'invalid_token');
    await expectError(await post('reset', { newPassword: NEW }), 400, 'validation_error');
    expect((await post('reset', { token, newPassword: NEW })).status).toBe(204);
  });

  it('a link expires after PASSWORD_RESET_EXPIRY (30m): a second before it works, at it it does not', async () => {
    const email = 'expiry@example.com';
    await register(email);
    const early = await resetLink(email, 0);
    advanceClock(30 * MINUTE - SECOND);
    expect((await post('reset', { token: early.token, newPassword: NEW })).status).toBe(204);

    const late = await resetLink(email, 1);
    advanceClock(30 * MINUTE);
    await expectError(await post('reset', { token: late.token, newPassword: OLD }), 400, 'invalid_token');
    expect((await app.signIn(email, NEW)).response.status).toBe(200);
  });

  it('a newer link supersedes the older one', async () => {
    const email = 'superseded@example.com';
    await register(email);
    const older = await resetLink(email, 0);
    const newer = await resetLink(email, 1);
    await expectError(await post('reset', { token: older.token, newPassword: NEW }), 400, 'invalid_token');
    expect((await post('reset', { token: newer.token, newPassword: NEW })).status).toBe(204);
  });

  it('a password change kills the link', async () => {
    const email = 'changed@example.com';
    const jar = await register(email);
    const { token } = await resetLink(email, 0);
    expect((await post('password', { currentPassword: OLD, newPassword: NEW }, { cookies: jar })).status).toBe(204);
    await expectError(await post('reset', { token, newPassword: 'yet-another-password-5' }), 400, 'invalid_token');
    await settled();
    await sink.waitFor(email, 'Your password was changed');
  });

  it('a reset link is never a verification link, and the other way round', async () => {
    const email = 'kinds@example.com';
    await register(email);
    const verification = linkIn(await sink.waitFor(email, 'Verify your email'), ORIGIN, '/verify-email');
    secrets.add(verification.token);
    const reset = await resetLink(email, 0);
    await expectError(await post('reset', { token: verification.token, newPassword: NEW }), 400, 'invalid_token');
    await expectError(await post('verify', { token: reset.token }), 400, 'invalid_token');
  });

  it('no log line carries a link token or a password', async () => {
    await settled();
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
