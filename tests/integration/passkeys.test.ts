/**
 * Passkeys (contract "Two-factor authentication and passkeys"; checklist 65), through the real
 * route handlers on a fresh database (SQLite or PostgreSQL), with a software authenticator
 * (tests/support/authenticator.ts) answering as a browser at APP_ORIGIN would:
 * a registration and an assertion verified by @simplewebauthn/server; challenges single use, bound
 * to the browser's cookie and dead after 5 minutes; the origin, the RP id and user verification
 * checked; a counter that goes backwards refused and recorded; another user's passkey neither
 * removable nor usable; a removed passkey signs nobody in; events and notice mails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecurityEventRow, type TestApp } from '../support/app';
import { SoftwareCredential, strangerKey } from '../support/authenticator';
import { advanceClock } from '../support/clock';
import { MINUTE, PASSWORD } from '../support/env';
import { apiRequest, CookieJar, expectError, ORIGIN, setCookies } from '../support/http';
import type { MailSink } from '../support/mail';
import { settled, startMailApp, stopMailApp, type MailTestApp } from '../support/mail-app';
import { loadPasskeyRoutes, RP_ID, type PasskeyRoutes } from '../support/passkeys';

let app: TestApp;
let sink: MailSink;
let passkeys: PasskeyRoutes;
let started: MailTestApp | undefined;

beforeAll(async () => {
  started = await startMailApp();
  ({ app, sink } = started);
  passkeys = await loadPasskeyRoutes();
});

afterAll(() => stopMailApp(started));

/** A new account, signed in: its browser's cookies. */
async function account(email: string): Promise<CookieJar> {
  const { response, jar } = await app.signUp(email, PASSWORD);
  expect(response.status).toBe(201);
  await settled();
  return jar;
}

/** An account with one passkey: the browser, the credential and the passkey's id. */
async function accountWithPasskey(email: string, credential = new SoftwareCredential()): Promise<{ jar: CookieJar; credential: SoftwareCredential; passkeyId: string }> {
  const jar = await account(email);
  const response = await passkeys.addPasskey(jar, credential);
  expect(response.status, await response.clone().text()).toBe(201);
  const { passkey } = (await response.json()) as { passkey: { id: string } };
  await settled();
  return { jar, credential, passkeyId: passkey.id };
}

const events = (type: string) => app.query<SecurityEventRow>('SELECT * FROM security_events WHERE type = ? ORDER BY id', type);
const counterOf = async (passkeyId: string) => Number((await app.query<{ counter: number | string }>('SELECT counter FROM passkeys WHERE id = ?', passkeyId))[0]?.counter);

describe('adding a passkey', () => {
  it('offers a discoverable credential for APP_ORIGIN, binds the ceremony to an HttpOnly SameSite=Strict cookie, stores the verified credential and tells the owner', async () => {
    const jar = await account('adder@example.com');
    const response = await passkeys.send('registrationOptions', { cookies: jar, origin: ORIGIN });
    expect(response.status).toBe(200);
    const cookie = setCookies(response).get('passkey_challenge');
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie?.attributes.get('httponly')).toBe(true);
    expect(String(cookie?.attributes.get('samesite')).toLowerCase()).toBe('strict');
    expect(cookie?.attributes.get('path')).toBe('/');
    expect(cookie?.attributes.get('max-age')).toBe('300');
    expect(cookie?.attributes.has('secure')).toBe(false);
    // Only the challenge id travels in the cookie; the challenge itself is in the options and the database.
    const { options } = (await response.json()) as { options: { challenge: string; rp: { id: string }; user: { id: string; name: string }; authenticatorSelection: Record<string, unknown>; attestation: string; excludeCredentials: unknown[] } };
    expect(options.rp.id).toBe(RP_ID);
    expect(options.user.name).toBe('adder@example.com');
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).toBe(await app.userIdOf('adder@example.com'));
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'preferred' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    const rows = await app.query<{ id: string; challenge: string; ceremony: string; expires_at: number | string; created_at: number | string }>('SELECT * FROM passkey_challenges WHERE id = ?', cookie?.value);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ challenge: options.challenge, ceremony: 'registration' });
    expect(Number(rows[0]?.expires_at) - Number(rows[0]?.created_at)).toBe(5 * MINUTE);

    jar.apply(response);
    const credential = new SoftwareCredential();
    const registration = credential.register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID, userHandle: options.user.id });
    const added = await passkeys.send('registration', { cookies: jar, origin: ORIGIN, json: { response: registration } });
    expect(added.status, await added.clone().text()).toBe(201);
    // The challenge is spent: its cookie is cleared and its row gone.
    expect(setCookies(added).get('passkey_challenge')?.attributes.get('max-age')).toBe('0');
    expect(await app.query('SELECT id FROM passkey_challenges WHERE id = ?', cookie?.value)).toEqual([]);
    const { passkey } = (await added.json()) as { passkey: Record<string, unknown> };
    expect(passkey).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), name: 'Passkey', createdAt: expect.any(String), lastUsedAt: null });

    const stored = await app.query<Record<string, unknown>>('SELECT * FROM passkeys WHERE id = ?', passkey.id);
    expect(stored[0]).toMatchObject({ credential_id: credential.id, user_id: await app.userIdOf('adder@example.com'), transports: 'internal,hybrid', device_type: 'multiDevice' });
    expect(Number(stored[0]?.counter)).toBe(1);

    const list = await passkeys.send('list', { cookies: jar });
    expect(await list.json()).toEqual({ passkeys: [passkey] });
    // The next ceremony excludes the credential the account already has.
    const again = await passkeys.registrationOptions(jar);
    expect(again.excludeCredentials?.map((each) => each.id)).toEqual([credential.id]);

    expect((await events('passkey_added')).map((event) => event.user_id)).toEqual([await app.userIdOf('adder@example.com')]);
    await settled();
    const mail = await sink.waitFor('adder@example.com', 'A passkey was added to your account');
    expect(mail.text).toContain(`${ORIGIN}/account`);
  });

  it('names a passkey after the browser it was added from, or as the user asks', async () => {
    const jar = await account('namer@example.com');
    const options = await passkeys.registrationOptions(jar);
    const chrome = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
    const response = await passkeys.send('registration', {
      cookies: jar,
      origin: ORIGIN,
      headers: { 'user-agent': chrome },
      json: { response: new SoftwareCredential().register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID, userHandle: options.user.id }) },
    });
    expect(((await response.json()) as { passkey: { name: string } }).passkey.name).toBe('Chrome on macOS');
    const named = await passkeys.addPasskey(jar, new SoftwareCredential(), { name: '  Work laptop ' });
    expect(((await named.json()) as { passkey: { name: string } }).passkey.name).toBe('Work laptop');
    await expectError(await passkeys.addPasskey(jar, new SoftwareCredential(), { name: 'x'.repeat(65) }), 400, 'validation_error');
  });

  it('refuses a response made for another origin or another RP id, and a ceremony without its cookie', async () => {
    const jar = await account('wrong-origin@example.com');
    await expectError(await passkeys.addPasskey(jar, new SoftwareCredential(), { origin: 'https://evil.example' }), 400, 'passkey_registration_failed');
    await expectError(await passkeys.addPasskey(jar, new SoftwareCredential(), { origin: 'http://localhost:3001' }), 400, 'passkey_registration_failed');
    await expectError(await passkeys.addPasskey(jar, new SoftwareCredential(), { rpId: 'evil.example' }), 400, 'passkey_registration_failed');

    const options = await passkeys.registrationOptions(jar);
    const response = new SoftwareCredential().register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID, userHandle: options.user.id });
    const withoutCookie = new CookieJar(Object.fromEntries([...jar.values].filter(([name]) => name !== 'passkey_challenge')));
    await expectError(await passkeys.send('registration', { cookies: withoutCookie, origin: ORIGIN, json: { response } }), 400, 'invalid_passkey_challenge');
    // The failed attempts spent their challenges: none is left to replay.
    expect(await app.query('SELECT id FROM passkey_challenges WHERE user_id = ?', await app.userIdOf('wrong-origin@example.com'))).toHaveLength(1);
    expect(await app.query('SELECT id FROM passkeys WHERE user_id = ?', await app.userIdOf('wrong-origin@example.com'))).toEqual([]);
  });

  it('needs a signed-in caller, and a challenge of that same account', async () => {
    await expectError(await passkeys.send('registrationOptions', { origin: ORIGIN }), 401, 'unauthenticated');
    await expectError(await passkeys.send('list'), 401, 'unauthenticated');
    const alice = await account('reg-alice@example.com');
    const bob = await account('reg-bob@example.com');
    const options = await passkeys.registrationOptions(alice);
    const response = new SoftwareCredential().register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID, userHandle: options.user.id });
    // Bob's session with Alice's ceremony (her challenge cookie) adds nothing to either account.
    const bobWithAlicesChallenge = new CookieJar({ ...Object.fromEntries(bob.values), passkey_challenge: alice.get('passkey_challenge') ?? '' });
    await expectError(await passkeys.send('registration', { cookies: bobWithAlicesChallenge, origin: ORIGIN, json: { response } }), 400, 'invalid_passkey_challenge');
    expect(await app.query('SELECT id FROM passkeys')).not.toContainEqual(expect.objectContaining({ user_id: await app.userIdOf('reg-bob@example.com') }));
    await expectError(await passkeys.send('registrationOptions', { cookies: alice, origin: 'https://evil.example' }), 403, 'forbidden_origin');
  });

  it('adds a passkey without user verification (preferred), which then cannot sign in (required)', async () => {
    const jar = await account('no-uv@example.com');
    const credential = new SoftwareCredential();
    expect((await passkeys.addPasskey(jar, credential, { userVerified: false })).status).toBe(201);
    await expectError((await passkeys.signInWithPasskey(credential, { userVerified: false })).response, 401, 'passkey_rejected');
  });

  it('refuses a credential that is already registered, to this account or another', async () => {
    const { jar, credential } = await accountWithPasskey('dup-a@example.com');
    await expectError(await passkeys.addPasskey(jar, credential), 409, 'passkey_already_registered');
    const other = await account('dup-b@example.com');
    await expectError(await passkeys.addPasskey(other, credential), 409, 'passkey_already_registered');
  });
});

describe('signing in with a passkey', () => {
  it('answers exactly like POST /api/auth/login: the user, the access expiry and both cookies; the session says passkey', async () => {
    const { credential, passkeyId } = await accountWithPasskey('signer@example.com');
    const browser = new CookieJar();
    const options = await passkeys.authenticationOptions(browser);
    // Discoverable credentials: no list of ids (nothing typed, nothing revealed), user verification required.
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe('required');
    expect(options.rpId).toBe(RP_ID);

    const { response, jar } = await passkeys.signInWithPasskey(credential);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['accessTokenExpiresAt', 'user']);
    expect(body.user).toMatchObject({ email: 'signer@example.com', emailVerified: false });
    const cookies = setCookies(response);
    expect(cookies.get('access_token')?.value).toBeTruthy();
    expect(cookies.get('refresh_token')?.value).toBeTruthy();
    expect(cookies.get('passkey_challenge')?.attributes.get('max-age')).toBe('0');

    const me = await app.send('me', 'GET', { cookies: jar });
    expect(me.status).toBe(200);
    const { session } = (await me.json()) as { session: { id: string } };
    expect((await app.query<{ method: string }>('SELECT method FROM sessions WHERE id = ?', session.id))[0]?.method).toBe('passkey');
    const signedIn = (await events('sign_in_succeeded')).filter((event) => event.session_id === session.id);
    expect(signedIn.map((event) => JSON.parse(event.detail ?? '{}') as unknown)).toEqual([{ method: 'passkey' }]);

    const row = (await app.query<{ counter: number | string; last_used_at: number | string }>('SELECT counter, last_used_at FROM passkeys WHERE id = ?', passkeyId))[0];
    expect(Number(row?.counter)).toBe(2);
    expect(Number(row?.last_used_at)).toBe(Date.now());
  });

  it('uses each challenge once: a replayed assertion is refused, with its cookie or with a new one', async () => {
    const { credential } = await accountWithPasskey('replay@example.com');
    const browser = new CookieJar();
    const options = await passkeys.authenticationOptions(browser);
    const cookie = { passkey_challenge: browser.get('passkey_challenge') ?? '' };
    const assertion = credential.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
    expect((await passkeys.send('authentication', { cookies: cookie, origin: ORIGIN, json: { response: assertion } })).status).toBe(200);
    // The same request again (someone who copied the cookie and the body): its challenge is spent.
    await expectError(await passkeys.send('authentication', { cookies: cookie, origin: ORIGIN, json: { response: assertion } }), 400, 'invalid_passkey_challenge');
    // A fresh challenge does not make an assertion signed over another one good.
    const fresh = new CookieJar();
    await passkeys.authenticationOptions(fresh);
    await expectError(await passkeys.send('authentication', { cookies: fresh, origin: ORIGIN, json: { response: assertion } }), 401, 'passkey_rejected');

    // A failed verification spends the challenge too: no second try on it.
    const retry = new CookieJar();
    const retried = await passkeys.authenticationOptions(retry);
    await expectError(await passkeys.send('authentication', { cookies: retry, origin: ORIGIN, json: { response: credential.assert({ challenge: retried.challenge, origin: ORIGIN, rpId: RP_ID, signWith: strangerKey() }) } }), 401, 'passkey_rejected');
    await expectError(await passkeys.send('authentication', { cookies: retry, origin: ORIGIN, json: { response: credential.assert({ challenge: retried.challenge, origin: ORIGIN, rpId: RP_ID }) } }), 400, 'invalid_passkey_challenge');
  });

  it('lets a challenge live 5 minutes and not a moment longer', async () => {
    const { credential } = await accountWithPasskey('expiry@example.com');
    const late = new CookieJar();
    const options = await passkeys.authenticationOptions(late);
    advanceClock(5 * MINUTE);
    const assertion = credential.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
    await expectError(await passkeys.send('authentication', { cookies: late, origin: ORIGIN, json: { response: assertion } }), 400, 'invalid_passkey_challenge');

    const inTime = new CookieJar();
    const fresh = await passkeys.authenticationOptions(inTime);
    advanceClock(5 * MINUTE - 1);
    const response = await passkeys.send('authentication', { cookies: inTime, origin: ORIGIN, json: { response: credential.assert({ challenge: fresh.challenge, origin: ORIGIN, rpId: RP_ID }) } });
    expect(response.status, await response.clone().text()).toBe(200);

    // Registration challenges too.
    const jar = await account('expiry-reg@example.com');
    const reg = await passkeys.registrationOptions(jar);
    advanceClock(5 * MINUTE);
    const registration = new SoftwareCredential().register({ challenge: reg.challenge, origin: ORIGIN, rpId: RP_ID, userHandle: reg.user.id });
    await expectError(await passkeys.send('registration', { cookies: jar, origin: ORIGIN, json: { response: registration } }), 400, 'invalid_passkey_challenge');
  });

  it('refuses a missing or foreign challenge cookie, and a registration challenge used to sign in', async () => {
    const { jar: owner, credential } = await accountWithPasskey('cookie@example.com');
    const options = await passkeys.authenticationOptions(new CookieJar());
    const assertion = credential.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
    // The challenge was handed to another browser: this one has no cookie for it.
    await expectError(await passkeys.send('authentication', { origin: ORIGIN, json: { response: assertion } }), 400, 'invalid_passkey_challenge');
    await expectError(await passkeys.send('authentication', { cookies: { passkey_challenge: 'A'.repeat(43) }, origin: ORIGIN, json: { response: assertion } }), 400, 'invalid_passkey_challenge');
    // Two challenge cookies (one planted): neither is believed.
    await expectError(await passkeys.send('authentication', { cookies: `passkey_challenge=${'B'.repeat(43)}; passkey_challenge=${'C'.repeat(43)}`, origin: ORIGIN, json: { response: assertion } }), 400, 'invalid_passkey_challenge');
    const reg = await passkeys.registrationOptions(owner);
    const cross = credential.assert({ challenge: reg.challenge, origin: ORIGIN, rpId: RP_ID });
    await expectError(await passkeys.send('authentication', { cookies: { passkey_challenge: owner.get('passkey_challenge') ?? '' }, origin: ORIGIN, json: { response: cross } }), 400, 'invalid_passkey_challenge');
  });

  it('refuses an assertion made for another origin or another RP id, or without user verification', async () => {
    const { credential, passkeyId } = await accountWithPasskey('checks@example.com');
    const before = await counterOf(passkeyId);
    for (const change of [{ origin: 'https://evil.example' }, { origin: 'http://localhost:3001' }, { origin: 'https://localhost:3000' }, { rpId: 'evil.example' }, { rpId: 'localhost.evil.example' }, { userVerified: false }]) {
      const { response } = await passkeys.signInWithPasskey(credential, change);
      await expectError(response, 401, 'passkey_rejected');
      expect(setCookies(response).get('access_token')).toBeUndefined();
    }
    expect(await counterOf(passkeyId)).toBe(before);
    const userId = await app.userIdOf('checks@example.com');
    const failures = (await events('sign_in_failed')).filter((event) => event.user_id === userId);
    expect(failures.map((event) => JSON.parse(event.detail ?? '{}') as unknown)).toEqual(Array(6).fill({ method: 'passkey', reason: 'passkey_verification_failed' }));
  });

  it('refuses a forged signature, an unknown credential and a user handle of another account', async () => {
    const { credential } = await accountWithPasskey('forged@example.com');
    await expectError((await passkeys.signInWithPasskey(credential, { signWith: strangerKey() })).response, 401, 'passkey_rejected');
    await expectError((await passkeys.signInWithPasskey(new SoftwareCredential())).response, 401, 'passkey_rejected');
    const otherHandle = Buffer.from(await app.userIdOf('signer@example.com'), 'utf8').toString('base64url');
    await expectError((await passkeys.signInWithPasskey(credential, { userHandle: otherHandle })).response, 401, 'passkey_rejected');
    // Still good when nothing is wrong.
    expect((await passkeys.signInWithPasskey(credential)).response.status).toBe(200);
    const reasons = (await events('sign_in_failed')).map((event) => (JSON.parse(event.detail ?? '{}') as { reason?: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['passkey_verification_failed', 'unknown_passkey', 'user_handle_mismatch']));
  });

  it('refuses a signature counter that does not move forward, records it, and keeps the stored counter', async () => {
    const { credential, passkeyId } = await accountWithPasskey('cloned@example.com', new SoftwareCredential({ counter: 10 }));
    expect((await passkeys.signInWithPasskey(credential)).response.status).toBe(200);
    expect(await counterOf(passkeyId)).toBe(11);
    // A copy of the key that was used less often: the same counter, a lower one, or none.
    for (const counter of [11, 5, 0]) {
      const { response } = await passkeys.signInWithPasskey(credential, { counter });
      await expectError(response, 401, 'passkey_rejected');
    }
    expect(await counterOf(passkeyId)).toBe(11);
    const recorded = await events('passkey_counter_regressed');
    expect(recorded.map((event) => event.user_id)).toEqual(Array(3).fill(await app.userIdOf('cloned@example.com')));
    expect(JSON.parse(recorded[0]?.detail ?? '{}')).toEqual({ passkeyId, storedCounter: 11, presentedCounter: 11 });
    // The genuine authenticator, moving on, still signs in.
    expect((await passkeys.signInWithPasskey(credential, { counter: 12 })).response.status).toBe(200);
  });

  it('signs in again and again with an authenticator that keeps no counter (always 0)', async () => {
    const { credential, passkeyId } = await accountWithPasskey('no-counter@example.com', new SoftwareCredential({ counter: 0 }));
    for (let i = 0; i < 3; i += 1) expect((await passkeys.signInWithPasskey(credential)).response.status).toBe(200);
    expect(await counterOf(passkeyId)).toBe(0);
  });

  it('ends the session of the refresh cookie the browser carried in, like a password sign-in', async () => {
    const { jar, credential } = await accountWithPasskey('again@example.com');
    const before = await app.send('me', 'GET', { cookies: jar });
    const { session } = (await before.json()) as { session: { id: string } };
    const { response } = await passkeys.signInWithPasskey(credential, {}, jar);
    expect(response.status).toBe(200);
    expect((await app.query<{ revoked_reason: string | null }>('SELECT revoked_reason FROM sessions WHERE id = ?', session.id))[0]?.revoked_reason).toBe('signed_in_again');
  });

  it('refuses bad input and other sites like every route, never with a 500', async () => {
    const jar = new CookieJar();
    await passkeys.authenticationOptions(jar);
    await expectError(await passkeys.send('authentication', { cookies: jar, origin: ORIGIN, json: {} }), 400, 'validation_error');
    await expectError(await passkeys.send('authentication', { cookies: jar, origin: ORIGIN, json: { response: { id: 'a', rawId: 'b', type: 'public-key', response: {} } } }), 400, 'validation_error');
    const garbage = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' } };
    await expectError(await passkeys.send('authentication', { cookies: jar, origin: ORIGIN, json: { response: garbage } }), 401, 'passkey_rejected');
    await expectError(await passkeys.send('authenticationOptions', { origin: 'https://evil.example' }), 403, 'forbidden_origin');
    await expectError(await passkeys.send('authentication', { origin: 'https://evil.example', json: { response: garbage } }), 403, 'forbidden_origin');
    await expectError(await passkeys.send('authenticationOptions', { origin: ORIGIN, json: { extra: true } }), 400, 'validation_error');
    await expectError(await passkeys.send('authentication', {}, 'GET'), 405, 'method_not_allowed');

    // A garbled registration is refused as well.
    const { jar: owner } = await accountWithPasskey('garbled@example.com');
    await passkeys.registrationOptions(owner);
    const garbledRegistration = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' } };
    await expectError(await passkeys.send('registration', { cookies: owner, origin: ORIGIN, json: { response: garbledRegistration } }), 400, 'passkey_registration_failed');
  });
});

describe('removing a passkey', () => {
  it("cannot remove another user's passkey (404, nothing changes); the owner removes it, is told, and it signs nobody in", async () => {
    const { jar: alice, credential, passkeyId } = await accountWithPasskey('remove-alice@example.com');
    const bob = await account('remove-bob@example.com');
    await expectError(await passkeys.send('remove', { cookies: bob, origin: ORIGIN, id: passkeyId }), 404, 'not_found');
    await expectError(await passkeys.send('remove', { cookies: bob, origin: ORIGIN, id: 'not-an-id' }), 404, 'not_found');
    await expectError(await passkeys.send('remove', { origin: ORIGIN, id: passkeyId }), 401, 'unauthenticated');
    await expectError(await passkeys.send('remove', { cookies: alice, origin: 'https://evil.example', id: passkeyId }), 403, 'forbidden_origin');
    expect(((await (await passkeys.send('list', { cookies: alice })).json()) as { passkeys: unknown[] }).passkeys).toHaveLength(1);
    expect(((await (await passkeys.send('list', { cookies: bob })).json()) as { passkeys: unknown[] }).passkeys).toEqual([]);
    expect(await events('passkey_removed')).toEqual([]);
    expect((await passkeys.signInWithPasskey(credential)).response.status).toBe(200);

    const removed = await passkeys.send('remove', { cookies: alice, origin: ORIGIN, id: passkeyId });
    expect(removed.status).toBe(204);
    await expectError(await passkeys.send('remove', { cookies: alice, origin: ORIGIN, id: passkeyId }), 404, 'not_found');
    expect(((await (await passkeys.send('list', { cookies: alice })).json()) as { passkeys: unknown[] }).passkeys).toEqual([]);
    expect((await events('passkey_removed')).map((event) => event.user_id)).toEqual([await app.userIdOf('remove-alice@example.com')]);
    await settled();
    await sink.waitFor('remove-alice@example.com', 'A passkey was removed from your account');

    const { response } = await passkeys.signInWithPasskey(credential);
    await expectError(response, 401, 'passkey_rejected');
    expect(setCookies(response).get('access_token')).toBeUndefined();
  });

  it('goes with the account when the account is deleted', async () => {
    const { jar, credential } = await accountWithPasskey('leaving@example.com');
    const accountRoute = await import('@/app/api/auth/account/route');
    const request = apiRequest('DELETE', '/api/auth/account', { cookies: jar, origin: ORIGIN, json: { password: PASSWORD } });
    expect((await accountRoute.DELETE(request, { params: Promise.resolve({}) })).status).toBe(204);
    expect(await app.query('SELECT id FROM passkeys WHERE credential_id = ?', credential.id)).toEqual([]);
    await expectError((await passkeys.signInWithPasskey(credential)).response, 401, 'passkey_rejected');
  });
});
