/**
 * Passkey sign-in under the account rules that hold for every way to sign in: per-IP rate limits
 * (RATE_LIMIT_PER_IP counts passkey attempts too, with Retry-After) and REQUIRE_EMAIL_VERIFICATION
 * (an unverified account is refused after the passkey is accepted, and gets a fresh link, as with
 * a password in sign-in.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { SoftwareCredential } from '../support/authenticator';
import { advanceClock } from '../support/clock';
import { MINUTE, PASSWORD, T0 } from '../support/env';
import { CookieJar, expectError } from '../support/http';
import type { MailSink } from '../support/mail';
import { settled, startMailApp, stopMailApp, type MailTestApp } from '../support/mail-app';
import { loadPasskeyRoutes, type PasskeyRoutes } from '../support/passkeys';

let app: TestApp;
let sink: MailSink;
let passkeys: PasskeyRoutes;
let started: MailTestApp | undefined;

beforeAll(async () => {
  started = await startMailApp({ REQUIRE_EMAIL_VERIFICATION: 'true', RATE_LIMIT_PER_IP: '10/15m' });
  ({ app, sink } = started);
  passkeys = await loadPasskeyRoutes();
});

afterAll(() => stopMailApp(started));

describe('passkey sign-in', () => {
  it('refuses an unverified account with 403 email_not_verified and a new link; per-IP limits apply, then lift', async () => {
    const email = 'unverified@example.com';
    expect((await app.signUp(email, PASSWORD)).response.status).toBe(201);
    // Verified for a while: signed in, added a passkey.
    await app.query('UPDATE users SET email_verified_at = ? WHERE email = ?', T0, email);
    const { response: login, jar } = await app.signIn(email, PASSWORD);
    expect(login.status).toBe(200);
    const credential = new SoftwareCredential();
    expect((await passkeys.addPasskey(jar, credential)).status).toBe(201);
    await settled();
    const before = sink.to(email).filter((mail) => mail.subject.includes('Verify your email')).length;

    // Then the address needs verifying again (say, it was changed): the passkey is accepted, the sign-in is not.
    await app.query('UPDATE users SET email_verified_at = NULL WHERE email = ?', email);
    const refused = await passkeys.signInWithPasskey(credential);
    await expectError(refused.response, 403, 'email_not_verified');
    expect(refused.jar.get('access_token')).toBeUndefined();
    await settled();
    await sink.waitFor(email, 'Verify your email', { after: before });

    await app.query('UPDATE users SET email_verified_at = ? WHERE email = ?', T0, email);
    expect((await passkeys.signInWithPasskey(credential)).response.status).toBe(200);

    // Every passkey attempt counts against the client's IP (here every request shares one: no trusted proxy).
    let limited: Response | null = null;
    for (let i = 0; i < 12 && !limited; i += 1) {
      const { response } = await passkeys.signInWithPasskey(new SoftwareCredential());
      if (response.status === 429) limited = response;
      else await expectError(response, 401, 'passkey_rejected');
    }
    expect(limited).not.toBeNull();
    if (!limited) return;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectError(limited, 429, 'rate_limited');
    // The genuine passkey waits too.
    const jarWaiting = new CookieJar();
    await expectError((await passkeys.signInWithPasskey(credential, {}, jarWaiting)).response, 429, 'rate_limited');

    advanceClock(15 * MINUTE);
    expect((await passkeys.signInWithPasskey(credential)).response.status).toBe(200);
  });
});
