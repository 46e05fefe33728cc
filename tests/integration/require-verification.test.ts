/**
 * REQUIRE_EMAIL_VERIFICATION=true (contract "Email"): registration answers 201 without cookies, a
 * taken address gets the same 201 (and its owner a mail), a wrong password stays 401 and only the
 * right password of an unverified account gets 403 `email_not_verified` with a fresh link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp } from '../support/app';
import { expectError, ORIGIN } from '../support/http';
import { linkIn, type MailSink } from '../support/mail';
import { type MailRoutes, type MailTestApp, settled, startMailApp, stopMailApp } from '../support/mail-app';

const PASSWORD = 'heron-quartz-lantern-52';

let app: TestApp;
let sink: MailSink;
let send: MailRoutes;

let started: MailTestApp | undefined;

beforeAll(async () => {
  started = await startMailApp({ REQUIRE_EMAIL_VERIFICATION: 'true' });
  ({ app, sink, send } = started);
});

afterAll(() => stopMailApp(started));

const shape = (body: unknown) => JSON.stringify(Object.keys((body as { user: Record<string, unknown> }).user));

describe('REQUIRE_EMAIL_VERIFICATION=true', () => {
  it('register answers 201 without cookies and mails a link; a taken address gets the same answer and its owner a mail', async () => {
    const email = 'strict@example.com';
    const first = await app.signUp(email, PASSWORD);
    expect(first.response.status).toBe(201);
    expect(first.response.headers.getSetCookie()).toEqual([]);
    const firstBody = (await first.response.json()) as { user: Record<string, unknown> };
    expect(firstBody.user).toMatchObject({ email, emailVerified: false, name: null });
    await settled();
    await sink.waitFor(email, 'Verify your email');

    const again = await app.signUp(email, 'a-different-password-44');
    expect(again.response.status).toBe(201);
    expect(again.response.headers.getSetCookie()).toEqual([]);
    const againBody = (await again.response.json()) as { user: Record<string, unknown> };
    expect(shape(againBody)).toBe(shape(firstBody));
    expect(againBody.user).toMatchObject({ email, emailVerified: false, name: null });
    expect(againBody.user.id).not.toBe(firstBody.user.id);
    expect([...again.response.headers.keys()].sort()).toEqual([...first.response.headers.keys()].sort());
    await settled();
    await sink.waitFor(email, 'Someone tried to create an account');
    expect(await app.query('SELECT id FROM users WHERE email = ?', email)).toHaveLength(1);
  });

  it('sign-in: wrong password 401, unknown 401, right password of an unverified account 403 with a fresh link; verified signs in', async () => {
    const email = 'unverified@example.com';
    expect((await app.signUp(email, PASSWORD)).response.status).toBe(201);
    await settled();
    const firstLink = linkIn(await sink.waitFor(email, 'Verify your email'), ORIGIN, '/verify-email');

    await expectError((await app.signIn(email, 'wrong-password-123')).response, 401, 'invalid_credentials');
    await expectError((await app.signIn('nobody@example.com', PASSWORD)).response, 401, 'invalid_credentials');
    await settled();
    expect(sink.to(email).filter((mail) => mail.subject.includes('Verify your email'))).toHaveLength(1);

    const refused = await app.signIn(email, PASSWORD);
    expect(refused.response.headers.getSetCookie()).toEqual([]);
    await expectError(refused.response, 403, 'email_not_verified');
    await settled();
    const fresh = linkIn(await sink.waitFor(email, 'Verify your email', { after: 1 }), ORIGIN, '/verify-email');
    // The fresh link supersedes the first.
    await expectError(await send('verify', { json: { token: firstLink.token }, origin: ORIGIN }), 400, 'invalid_token');
    expect((await send('verify', { json: { token: fresh.token }, origin: ORIGIN })).status).toBe(200);

    const signedIn = await app.signIn(email, PASSWORD);
    expect(signedIn.response.status).toBe(200);
    expect(signedIn.jar.get('access_token')).toBeTruthy();
  });

  it('a password reset link also proves the address: the account can sign in after a reset', async () => {
    const email = 'reset-verifies@example.com';
    expect((await app.signUp(email, PASSWORD)).response.status).toBe(201);
    expect((await send('forgot', { json: { email }, origin: ORIGIN })).status).toBe(202);
    await settled();
    const { token } = linkIn(await sink.waitFor(email, 'Reset your password'), ORIGIN, '/reset-password');
    expect((await send('reset', { json: { token, newPassword: 'maple-sextant-orbit-903' }, origin: ORIGIN })).status).toBe(204);
    expect((await app.signIn(email, 'maple-sextant-orbit-903')).response.status).toBe(200);
  });
});
