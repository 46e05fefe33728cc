/**
 * Email verification (contract "Email"), through a real SMTP server: the register mail's link
 * verifies once, signed out, and `emailVerified` follows in every user shape; links expire, are
 * superseded by a resend and die with a password change; resend is 202 (no mail once verified),
 * 401 signed out and 429 past the per-address limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecurityEventRow, type TestApp } from '../support/app';
import { advanceClock } from '../support/clock';
import { HOUR, MINUTE, SECOND } from '../support/env';
import { expectError, ORIGIN, type CookieJar } from '../support/http';
import { linkIn, type MailSink } from '../support/mail';
import { captureLogs, type MailRoutes, type MailTestApp, settled, startMailApp, stopMailApp } from '../support/mail-app';

const PASSWORD = 'heron-quartz-lantern-52';
const NEW = 'maple-sextant-orbit-903';

let app: TestApp;
let sink: MailSink;
let send: MailRoutes;
let logs: string[];
const secrets = new Set<string>([PASSWORD, NEW]);

let started: MailTestApp | undefined;

beforeAll(async () => {
  started = await startMailApp();
  ({ app, sink, send } = started);
  logs = captureLogs();
});

afterAll(() => stopMailApp(started));

interface UserShape {
  id: string;
  email: string;
  name: string | null;
  emailVerified: boolean;
  createdAt: string;
}

async function register(email: string): Promise<{ jar: CookieJar; user: UserShape }> {
  const { response, jar } = await app.signUp(email, PASSWORD);
  expect(response.status).toBe(201);
  const { user } = (await response.json()) as { user: UserShape };
  await settled();
  return { jar, user };
}

async function verificationToken(email: string, n = 0): Promise<string> {
  const mail = await sink.waitFor(email, 'Verify your email', { after: n });
  const { token } = linkIn(mail, ORIGIN, '/verify-email');
  secrets.add(token);
  return token;
}

const verify = (token: string) => send('verify', { json: { token }, origin: ORIGIN });
const resend = (jar?: CookieJar) => send('verification', { origin: ORIGIN, ...(jar ? { cookies: jar } : {}) });

describe('verification on registration', () => {
  it('register mails a verification link; the link verifies signed out, once; every user shape says emailVerified', async () => {
    const email = 'verify-me@example.com';
    const { jar, user } = await register(email);
    expect(user).toEqual({ id: expect.any(String), email, name: null, emailVerified: false, createdAt: expect.any(String) });
    expect(Object.keys(user)).toEqual(['id', 'email', 'name', 'emailVerified', 'createdAt']);
    const me = (await (await app.send('me', 'GET', { cookies: jar })).json()) as { user: UserShape };
    expect(me.user.emailVerified).toBe(false);

    const mail = await sink.waitFor(email, 'Verify your email');
    expect(mail.text).toMatch(new RegExp(`${ORIGIN}/verify-email\\?token=[A-Za-z0-9_-]{43}`));
    const token = await verificationToken(email);

    advanceClock(MINUTE);
    // No cookies at all: signed out, as on another device.
    const response = await verify(token);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    const body = (await response.json()) as { user: UserShape };
    expect(body).toEqual({ user: { ...user, emailVerified: true } });

    expect(((await (await app.send('me', 'GET', { cookies: jar })).json()) as { user: UserShape }).user.emailVerified).toBe(true);
    const login = await app.signIn(email, PASSWORD);
    expect(((await login.response.json()) as { user: UserShape }).user.emailVerified).toBe(true);

    await expectError(await verify(token), 400, 'invalid_token');
    const events = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? AND type IN (?, ?) ORDER BY id', user.id, 'email_verification_sent', 'email_verified');
    expect(events.map((event) => event.type)).toEqual(['email_verification_sent', 'email_verified']);
  });

  it('refuses unknown, malformed and missing tokens', async () => {
    await expectError(await verify('A'.repeat(43)), 400, 'invalid_token');
    await expectError(await verify('not a token'), 400, 'invalid_token');
    await expectError(await send('verify', { json: {}, origin: ORIGIN }), 400, 'validation_error');
    await expectError(await send('verify', {}, 'GET'), 405, 'method_not_allowed');
  });

  it('a link expires after EMAIL_VERIFICATION_EXPIRY (24h)', async () => {
    const email = 'late@example.com';
    await register(email);
    const token = await verificationToken(email);
    advanceClock(24 * HOUR);
    await expectError(await verify(token), 400, 'invalid_token');
  });

  it('a password change kills the verification link', async () => {
    const email = 'changer@example.com';
    const { jar } = await register(email);
    const token = await verificationToken(email);
    expect((await send('password', { json: { currentPassword: PASSWORD, newPassword: NEW }, origin: ORIGIN, cookies: jar })).status).toBe(204);
    await expectError(await verify(token), 400, 'invalid_token');
  });
});

describe('POST /api/auth/email/verification', () => {
  it('sends a new link (202) that supersedes the older one; none once verified', async () => {
    const email = 'resend@example.com';
    const { jar } = await register(email);
    const first = await verificationToken(email);
    advanceClock(SECOND);
    const response = await resend(jar);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    await settled();
    const second = await verificationToken(email, 1);
    expect(second).not.toBe(first);
    await expectError(await verify(first), 400, 'invalid_token');
    expect((await verify(second)).status).toBe(200);

    const before = sink.to(email).length;
    expect((await resend(jar)).status).toBe(202);
    await settled();
    expect(sink.to(email)).toHaveLength(before);
  });

  it('401 signed out; 429 past the per-address limit', async () => {
    await expectError(await resend(), 401, 'unauthenticated');
    const email = 'resend-limit@example.com';
    const { jar } = await register(email);
    for (let i = 0; i < 3; i += 1) expect((await resend(jar)).status).toBe(202);
    await expectError(await resend(jar), 429, 'rate_limited');
    await settled();
  });

  it('no log line carries a link token or a password', () => {
    for (const line of logs) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
