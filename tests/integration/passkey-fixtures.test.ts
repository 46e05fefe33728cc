/**
 * What a real browser sends, verified by the real routes: tests/fixtures/passkeys/chromium.json was
 * recorded once from Chromium (its own WebAuthn code and CBOR, the CDP virtual authenticator; see
 * record.ts there) with fixed challenges. The challenges are planted as the options route would
 * have stored them, and the browser's cookie carries their ids. The registration is accepted, each
 * assertion signs in once, and replaying the earlier assertion after the later one (a counter that
 * goes back: 3 then 2) is refused and recorded.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { prehashPassword } from '@/lib/auth/passwords';
import { startApp, type SecurityEventRow, type TestApp } from '../support/app';
import { MINUTE, PASSWORD } from '../support/env';
import { CookieJar, expectError } from '../support/http';
import { loadPasskeyRoutes, type PasskeyRoutes } from '../support/passkeys';

const fixture = z
  .object({
    origin: z.string(),
    rpId: z.literal('localhost'),
    userId: z.string(),
    email: z.string(),
    registration: z.object({ challenge: z.string(), response: z.object({ id: z.string() }).passthrough() }),
    assertions: z.array(z.object({ challenge: z.string(), response: z.object({ id: z.string() }).passthrough() })).length(2),
  })
  .parse(JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/passkeys/chromium.json'), 'utf8')));

let app: TestApp;
let passkeys: PasskeyRoutes;

beforeAll(async () => {
  // The app runs at the origin the fixture was recorded on (RP id: localhost).
  app = await startApp({ APP_ORIGIN: fixture.origin });
  passkeys = await loadPasskeyRoutes();
  // A first request that writes opens (and migrates) the database, which the test then writes to directly.
  await passkeys.authenticationOptions(new CookieJar());
});

/** Stores a challenge as the options route would, and returns the cookie a browser would hold for it. */
async function plantChallenge(challenge: string, ceremony: 'registration' | 'authentication', userId: string | null): Promise<Record<string, string>> {
  const id = randomBytes(32).toString('base64url');
  const now = Date.now();
  await app.query('INSERT INTO passkey_challenges (id, challenge, ceremony, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', id, challenge, ceremony, userId, now, now + 5 * MINUTE);
  return { passkey_challenge: id };
}

describe('a registration and assertions recorded from Chromium', () => {
  it('are accepted by the routes: the passkey is added, signs in, and a counter going back is refused', async () => {
    // The account the credential was made for (its id is the user handle inside the credential).
    const now = Date.now();
    await app.query('INSERT INTO users (id, email, name, password_hash, created_at, updated_at, email_verified_at) VALUES (?, ?, ?, ?, ?, ?, ?)', fixture.userId, fixture.email, null, bcrypt.hashSync(prehashPassword(PASSWORD), 4), now, now, now);
    const login = await app.send('login', 'POST', { json: { email: fixture.email, password: PASSWORD }, origin: fixture.origin });
    expect(login.status).toBe(200);
    const jar = new CookieJar().apply(login);

    const registrationCookie = await plantChallenge(fixture.registration.challenge, 'registration', fixture.userId);
    const added = await passkeys.send('registration', { cookies: { ...Object.fromEntries(jar.values), ...registrationCookie }, origin: fixture.origin, json: { response: fixture.registration.response } });
    expect(added.status, await added.clone().text()).toBe(201);
    const stored = await app.query<{ credential_id: string; counter: number | string; transports: string }>('SELECT credential_id, counter, transports FROM passkeys WHERE user_id = ?', fixture.userId);
    expect(stored.map((row) => ({ ...row, counter: Number(row.counter) }))).toEqual([{ credential_id: fixture.registration.response.id, counter: 1, transports: 'internal' }]);

    // The second assertion first (counter 3), then the first one (counter 2): the counter went back.
    const [first, second] = fixture.assertions;
    if (!first || !second) throw new Error('fixture without two assertions');
    const signedIn = await passkeys.send('authentication', { cookies: await plantChallenge(second.challenge, 'authentication', null), origin: fixture.origin, json: { response: second.response } });
    expect(signedIn.status, await signedIn.clone().text()).toBe(200);
    expect(((await signedIn.json()) as { user: { id: string } }).user.id).toBe(fixture.userId);
    expect(Number((await app.query<{ counter: number | string }>('SELECT counter FROM passkeys WHERE user_id = ?', fixture.userId))[0]?.counter)).toBe(3);

    const replayed = await passkeys.send('authentication', { cookies: await plantChallenge(first.challenge, 'authentication', null), origin: fixture.origin, json: { response: first.response } });
    await expectError(replayed, 401, 'passkey_rejected');
    const regressed = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE type = ?', 'passkey_counter_regressed');
    expect(regressed.map((event) => JSON.parse(event.detail ?? '{}') as unknown)).toEqual([expect.objectContaining({ storedCounter: 3, presentedCounter: 2 })]);

    // The same assertion with a challenge it was not signed over is refused too.
    await expectError(await passkeys.send('authentication', { cookies: await plantChallenge(second.challenge.slice(1), 'authentication', null), origin: fixture.origin, json: { response: second.response } }), 401, 'passkey_rejected');
  });
});
