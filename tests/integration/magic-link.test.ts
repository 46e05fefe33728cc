/**
 * Sign-in by email link (contract "Sign-in with other providers and by email link"; checklist
 * O59–O61), through a real SMTP server: the request answers the same for known and unknown
 * addresses (only a known one gets a mail, nobody gets an account) and is limited per address;
 * the link signs in once, with a POST only (a GET signs nobody in), expires after
 * MAGIC_LINK_EXPIRY, is superseded by a newer one, dies with a password change, proves the mailbox,
 * and starts a session whose method is `magic_link`. The page the user was going to (/login's
 * `next`) is stored with the link, never put in its URL, and handed back when it is used; anything
 * but a same-site path is dropped for /dashboard.
 */
import type { getAuthDeps as GetDepsFn } from '@/lib/auth/deps';
import type { isLiveSignInLink as IsLiveFn } from '@/lib/auth/magic-link';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecurityEventRow, type TestApp } from '../support/app';
import { advanceClock } from '../support/clock';
import { MINUTE, PASSWORD, SECOND } from '../support/env';
import { apiRequest, call, CookieJar, expectError, jwtPayload, ORIGIN, type Handler, type RequestOptions } from '../support/http';
import { linkIn, type MailSink } from '../support/mail';
import { captureLogs, type MailRoutes, type MailTestApp, settled, startMailApp, stopMailApp } from '../support/mail-app';

let app: TestApp;
let sink: MailSink;
let send: MailRoutes;
let logs: string[];
let started: MailTestApp | undefined;
let request: { POST: Handler; GET: Handler };
let signIn: { POST: Handler; GET: Handler };
let isLiveSignInLink: IsLive;
let getAuthDeps: GetDeps;
type IsLive = typeof IsLiveFn;
type GetDeps = typeof GetDepsFn;
const secrets = new Set<string>([PASSWORD]);

beforeAll(async () => {
  started = await startMailApp({ REQUIRE_EMAIL_VERIFICATION: 'true' });
  ({ app, sink, send } = started);
  request = await import('@/app/api/auth/magic-link/route');
  signIn = await import('@/app/api/auth/magic-link/sign-in/route');
  ({ isLiveSignInLink } = await import('@/lib/auth/magic-link'));
  ({ getAuthDeps } = await import('@/lib/auth/deps'));
  logs = captureLogs();
});

afterAll(() => stopMailApp(started));

const ask = (email: unknown, options: RequestOptions = {}) => call(request.POST, apiRequest('POST', '/api/auth/magic-link', { json: { email }, origin: ORIGIN, ...options }));
const askWith = (json: Record<string, unknown>) => call(request.POST, apiRequest('POST', '/api/auth/magic-link', { json, origin: ORIGIN }));
const use = (token: unknown, options: RequestOptions = {}) => call(signIn.POST, apiRequest('POST', '/api/auth/magic-link/sign-in', { json: { token }, origin: ORIGIN, ...options }));

/** Registers an account (not signed in: REQUIRE_EMAIL_VERIFICATION is on in this file). */
async function register(email: string): Promise<void> {
  expect((await app.signUp(email, PASSWORD)).response.status).toBe(201);
  await settled();
}

/**
 * Asks for a sign-in link (with `next` when given) and returns its token from the mail (the `n`-th
 * such mail to that address).
 */
async function signInLink(email: string, n: number, next?: unknown): Promise<{ url: string; token: string }> {
  expect((await (next === undefined ? ask(email) : askWith({ email, next }))).status).toBe(202);
  await settled();
  const mail = await sink.waitFor(email, 'Your sign-in link', { after: n });
  const link = linkIn(mail, ORIGIN, '/magic-link');
  secrets.add(link.token);
  return link;
}

describe('POST /api/auth/magic-link', () => {
  it('answers a known and an unknown address alike (status, headers, body); only the known one gets a mail, nobody an account', async () => {
    const known = 'link-known@example.com';
    await register(known);
    const unknown = 'link-nobody@example.com';
    const a = await ask(known);
    const b = await ask(unknown);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    const body = await a.text();
    expect(body).toBe(await b.text());
    expect(JSON.parse(body)).toEqual({ message: expect.stringContaining('sign-in link') });
    expect([...a.headers.entries()]).toEqual([...b.headers.entries()]);
    expect(a.headers.getSetCookie()).toEqual([]);

    await settled();
    const mail = await sink.waitFor(known, 'Your sign-in link');
    expect(mail.text).toContain(`${ORIGIN}/magic-link?token=`);
    expect(mail.text).toContain('15 minutes');
    const { token } = linkIn(mail, ORIGIN, '/magic-link');
    secrets.add(token);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(JSON.stringify(await app.query('SELECT * FROM one_time_tokens'))).not.toContain(token);
    expect(await app.query('SELECT kind FROM one_time_tokens WHERE user_id = ?', await app.userIdOf(known))).toContainEqual({ kind: 'magic_link' });

    expect(sink.to(unknown)).toEqual([]);
    expect(await app.query('SELECT id FROM users WHERE email = ?', unknown)).toEqual([]);
    // The request's own work is the same for both: one per-address counter each.
    expect(await app.query('SELECT key FROM rate_limits WHERE key IN (?, ?)', `mailbox:${known}`, `mailbox:${unknown}`)).toHaveLength(2);
    const events = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE type = ?', 'magic_link_requested');
    expect(events.map((event) => event.user_id)).toEqual([await app.userIdOf(known)]);
  });

  it('limits mails per address (known or not) like password reset, and refuses bad input', async () => {
    for (const email of ['link-limited@example.com', 'link-limited-unknown@example.com']) {
      if (email === 'link-limited@example.com') await register(email);
      for (let i = 0; i < 3; i += 1) expect((await ask(email)).status).toBe(202);
      const refused = await ask(email);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      await expectError(refused, 429, 'rate_limited');
    }
    await settled();
    expect(sink.to('link-limited@example.com').filter((mail) => mail.subject.includes('Your sign-in link'))).toHaveLength(3);
    await expectError(await ask('not an address'), 400, 'validation_error');
    await expectError(await ask('a@example.com', { origin: 'https://evil.example' }), 403, 'forbidden_origin');
    await expectError(await call(request.GET, apiRequest('GET', '/api/auth/magic-link')), 405, 'method_not_allowed');
    advanceClock(15 * MINUTE);
  });
});

describe('POST /api/auth/magic-link/sign-in', () => {
  it('signs in once with method magic_link, marks the address verified; a GET (page or API) signs nobody in', async () => {
    const email = 'link-user@example.com';
    await register(email);
    // REQUIRE_EMAIL_VERIFICATION: the password alone is refused until the mailbox is proven.
    await expectError((await app.signIn(email, PASSWORD)).response, 403, 'email_not_verified');
    await settled();
    const { token } = await signInLink(email, 0);

    // What a mail scanner does: GET the link (the page only looks the link up) and the API.
    const deps = await getAuthDeps();
    expect(await isLiveSignInLink(deps, token, Date.now())).toBe(true);
    expect(await isLiveSignInLink(deps, token, Date.now())).toBe(true);
    await expectError(await call(signIn.GET, apiRequest('GET', `/api/auth/magic-link/sign-in?token=${token}`)), 405, 'method_not_allowed');
    expect(await app.query('SELECT id FROM sessions WHERE user_id = ?', await app.userIdOf(email))).toEqual([]);

    const response = await use(token);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { email: string; emailVerified: boolean }; next: string };
    expect(body.user).toMatchObject({ email, emailVerified: true });
    // Requested without `next`: the default landing page.
    expect(body.next).toBe('/dashboard');
    const jar = new CookieJar().apply(response);
    const sid = String(jwtPayload(jar.get('access_token') ?? '').sid);
    expect((await app.send('me', 'GET', { cookies: jar })).status).toBe(200);
    expect(await app.query('SELECT method FROM sessions WHERE id = ?', sid)).toEqual([{ method: 'magic_link' }]);
    const succeeded = await app.query<SecurityEventRow>('SELECT * FROM security_events WHERE type = ? AND user_id = ?', 'sign_in_succeeded', await app.userIdOf(email));
    expect(succeeded.map((event) => JSON.parse(event.detail ?? '{}'))).toEqual([{ method: 'magic_link' }]);

    // Single use: the second press, and the page, find it spent.
    await expectError(await use(token), 400, 'invalid_token');
    expect(await isLiveSignInLink(deps, token, Date.now())).toBe(false);
    // The mailbox is proven, so the password works now too.
    expect((await app.signIn(email, PASSWORD)).response.status).toBe(200);
  });

  it('of two racing presses exactly one signs in', async () => {
    const email = 'link-race@example.com';
    await register(email);
    const { token } = await signInLink(email, 0);
    const results = await Promise.all([use(token), use(token), use(token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it('expires after MAGIC_LINK_EXPIRY (15m): a second before works, at it does not', async () => {
    const email = 'link-expiry@example.com';
    await register(email);
    const early = await signInLink(email, 0);
    advanceClock(15 * MINUTE - SECOND);
    expect((await use(early.token)).status).toBe(200);
    const late = await signInLink(email, 1);
    advanceClock(15 * MINUTE);
    await expectError(await use(late.token), 400, 'invalid_token');
  });

  it('a newer link supersedes the older; a password change kills them; malformed and other kinds of tokens are refused', async () => {
    const email = 'link-superseded@example.com';
    await register(email);
    const older = await signInLink(email, 0);
    const newer = await signInLink(email, 1);
    await expectError(await use(older.token), 400, 'invalid_token');
    const response = await use(newer.token);
    expect(response.status).toBe(200);
    const jar = new CookieJar().apply(response);

    const doomed = await signInLink(email, 2);
    expect((await send('password', { json: { currentPassword: PASSWORD, newPassword: 'a-brand-new-password-77' }, origin: ORIGIN, cookies: jar })).status).toBe(204);
    await expectError(await use(doomed.token), 400, 'invalid_token');

    // A verification link is not a sign-in link (the kind is inside the MAC).
    const verification = linkIn(await sink.waitFor(email, 'Verify your email'), ORIGIN, '/verify-email');
    secrets.add(verification.token);
    await expectError(await use(verification.token), 400, 'invalid_token');
    await expectError(await use('x'), 400, 'invalid_token');
    await expectError(await use(`${newer.token}=`), 400, 'invalid_token');
    await expectError(await use(undefined), 400, 'validation_error');
    await expectError(await use(newer.token, { origin: 'https://evil.example' }), 403, 'forbidden_origin');
    advanceClock(15 * MINUTE);
  });

  it('no log line carries a link token or a password', async () => {
    await settled();
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});

describe('where the link lands (/login?next=…, contract "Pages")', () => {
  const consent = '/authorize?client_id=native-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&state=s%2F1&code_challenge=abc';

  it('carries a same-site `next` with the link (stored, not in the mailed URL) and hands it back when used', async () => {
    const email = 'link-next@example.com';
    await register(email);
    const { url, token } = await signInLink(email, 0, consent);
    expect(url).toBe(`${ORIGIN}/magic-link?token=${token}`);
    const mail = sink.to(email).find((received) => received.subject.includes('Your sign-in link'));
    expect(mail?.text).not.toContain('authorize');
    expect(await app.query('SELECT next FROM one_time_tokens WHERE user_id = ? AND kind = ?', await app.userIdOf(email), 'magic_link')).toEqual([{ next: consent }]);
    const response = await use(token);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { next: string }).next).toBe(consent);
  });

  it('drops a `next` that is not a same-site path (the link lands on /dashboard); a non-string or over-long one is a 400', async () => {
    const email = 'link-next-evil@example.com';
    await register(email);
    const evil = ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/%2F%2Fevil.example', 'javascript:alert(1)', 'dashboard', '/\tx'];
    for (const [i, next] of evil.entries()) {
      // Three mails per address per 15 minutes.
      if (i > 0 && i % 3 === 0) advanceClock(15 * MINUTE);
      const { token } = await signInLink(email, i, next);
      expect(await app.query('SELECT next FROM one_time_tokens WHERE user_id = ? AND kind = ?', await app.userIdOf(email), 'magic_link')).toEqual([{ next: '/dashboard' }]);
      const response = await use(token);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { next: string }).next).toBe('/dashboard');
    }
    advanceClock(15 * MINUTE);
    await expectError(await askWith({ email, next: 42 }), 400, 'validation_error');
    await expectError(await askWith({ email, next: `/${'a'.repeat(2048)}` }), 400, 'validation_error');
    await expectError(await askWith({ email, next: null }), 400, 'validation_error');
    // Password reset shares the request path and stores no `next`.
    expect((await send('forgot', { json: { email }, origin: ORIGIN })).status).toBe(202);
    await settled();
    expect(await app.query('SELECT next FROM one_time_tokens WHERE user_id = ? AND kind = ?', await app.userIdOf(email), 'password_reset')).toEqual([{ next: null }]);
    advanceClock(15 * MINUTE);
  });
});

describe('an account with two-factor on (contract: "still needs its second factor")', () => {
  it('the link answers {"twoFactorRequired":true} with only the challenge cookie; the code completes it as magic_link+totp; the link is spent either way', async () => {
    const { codeAt, loadTwoFactorRoutes, secondStep, challengeName } = await import('../support/two-factor');
    const twoFactor = await loadTwoFactorRoutes();
    const email = 'link-two-factor@example.com';
    await register(email);
    await settled();
    const first = await use((await signInLink(email, 0)).token);
    expect(first.status).toBe(200);
    const session = new CookieJar().apply(first);
    const { setupKey } = (await (await twoFactor('setup', { cookies: session, origin: ORIGIN })).json()) as { setupKey: string };
    expect((await twoFactor('enable', { cookies: session, origin: ORIGIN, json: { code: await codeAt(setupKey) } })).status).toBe(200);

    // Requested from /login?next=/account: the second step is asked for, and then goes there.
    const { token } = await signInLink(email, 1, '/account');
    const response = await use(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ twoFactorRequired: true, next: '/account' });
    const jar = new CookieJar().apply(response);
    expect([...jar.values.keys()]).toStrictEqual([challengeName()]);
    await expectError(await app.send('me', 'GET', { cookies: jar }), 401, 'unauthenticated');
    await expectError(await use(token), 400, 'invalid_token');

    const done = await secondStep(twoFactor, jar, { code: await codeAt(setupKey, Date.now() + 30 * SECOND) });
    expect(done.status).toBe(200);
    const sid = String(jwtPayload(jar.get('access_token') ?? '').sid);
    expect(await app.query('SELECT method FROM sessions WHERE id = ?', sid)).toEqual([{ method: 'magic_link+totp' }]);
  });
});
