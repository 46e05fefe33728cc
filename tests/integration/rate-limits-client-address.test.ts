/**
 * Per-IP limits with `npm start` and no proxy (TRUST_PROXY=false; server.mjs sets
 * TRUST_CLIENT_ADDRESS_HEADER and writes each request's socket address into x-client-address):
 * every client has its own bucket, so one client's failures, cheap garbage refresh cookies
 * included, never refuse another client's sign-in (issue 9; checklist H35, N58). The middleware's
 * refresh call arrives from the app's own address and names the client in
 * x-forwarded-client-address, believed only with a valid MAC.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forwardedAddressMac } from '@/lib/http/forwarded-address';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { ACCESS_SECRET, MINUTE, T0 } from '../support/env';
import { CookieJar, expectError, type RequestOptions } from '../support/http';
import { GOOD_PASSWORD, USER_AGENT } from '../support/security';

const IP_LIMIT = 5;
const LOOPBACK = '127.0.0.1';
const ATTACKER = '127.0.0.2';
const VICTIM = '127.0.0.3';
/** Shaped like a refresh token, but no session has this id: a failed refresh. */
const FORGED_REFRESH = `${'A'.repeat(22)}.0.${'A'.repeat(43)}`;

let app: TestApp;

/** A request as server.mjs hands it on: its socket address in x-client-address. */
const from = (ip: string, options: RequestOptions = {}): RequestOptions => ({ ...options, headers: { 'x-client-address': ip, 'user-agent': USER_AGENT, ...options.headers } });
const login = (ip: string, password: string) => app.send('login', 'POST', from(ip, { json: { email: 'user@example.com', password } }));

/** The middleware's refresh call for a client: from the app's own address, the client's address MACed. */
async function refreshViaMiddleware(clientIp: string, mac?: string): Promise<Response> {
  const headers = { 'x-forwarded-client-address': clientIp, 'x-forwarded-client-address-mac': mac ?? (await forwardedAddressMac(ACCESS_SECRET, clientIp)) };
  return app.send('refresh', 'POST', from(LOOPBACK, { cookies: { refresh_token: FORGED_REFRESH }, headers }));
}

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ RATE_LIMIT_PER_IP: `${IP_LIMIT}/15m`, TRUST_PROXY: 'false', TRUST_CLIENT_ADDRESS_HEADER: 'true' });
  expect((await app.signUp('user@example.com', GOOD_PASSWORD)).response.status).toBe(201);
});

beforeEach(() => {
  advanceClock(16 * MINUTE);
});

afterAll(() => {
  restoreClock();
});

describe('per-client buckets from the socket address', () => {
  it('limits the client that failed and leaves another client free to sign in and register', async () => {
    for (let i = 0; i < IP_LIMIT; i += 1) expect((await login(ATTACKER, 'not-the-password')).status, `attempt ${i + 1}`).toBe(401);
    await expectError(await login(ATTACKER, GOOD_PASSWORD), 429, 'rate_limited');
    expect((await login(VICTIM, GOOD_PASSWORD)).status).toBe(200);
    const registered = await app.send('register', 'POST', from(VICTIM, { json: { email: 'victim@example.com', password: GOOD_PASSWORD } }));
    expect(registered.status).toBe(201);
  });

  it('charges failed refreshes that the middleware makes on a client\'s behalf to that client, not to the app\'s own address', async () => {
    for (let i = 0; i < IP_LIMIT; i += 1) await expectError(await refreshViaMiddleware(ATTACKER), 401, 'invalid_refresh_token');
    await expectError(await login(ATTACKER, GOOD_PASSWORD), 429, 'rate_limited');
    // Neither the victim nor the loopback address the middleware's calls come from is refused.
    expect((await login(VICTIM, GOOD_PASSWORD)).status).toBe(200);
    expect((await login(LOOPBACK, GOOD_PASSWORD)).status).toBe(200);
    // The victim's own refreshes through the middleware are still answered (401, not 429).
    await expectError(await refreshViaMiddleware(VICTIM), 401, 'invalid_refresh_token');
  });

  it('ignores a forwarded address with a forged MAC: a client cannot charge its failures to someone else', async () => {
    const forged = await forwardedAddressMac('not-our-secret-but-long-enough-0123456789', VICTIM);
    for (let i = 0; i < IP_LIMIT; i += 1) {
      const response = await app.send('refresh', 'POST', from(ATTACKER, { cookies: { refresh_token: FORGED_REFRESH }, headers: { 'x-forwarded-client-address': VICTIM, 'x-forwarded-client-address-mac': forged } }));
      await expectError(response, 401, 'invalid_refresh_token');
    }
    expect((await login(VICTIM, GOOD_PASSWORD)).status).toBe(200);
    await expectError(await login(ATTACKER, GOOD_PASSWORD), 429, 'rate_limited');
  });

  it('records the client\'s address on its session, and the last one it was refreshed from', async () => {
    const signedIn = new CookieJar().apply(await login('127.0.0.5', GOOD_PASSWORD));
    const sessionIp = async () => (await app.query<{ ip: string | null }>('SELECT ip FROM sessions ORDER BY created_at DESC, id DESC LIMIT 1'))[0]?.ip;
    expect(await sessionIp()).toBe('127.0.0.5');
    // The middleware's refresh for the same browser, now at another address.
    const headers = { 'x-forwarded-client-address': '127.0.0.6', 'x-forwarded-client-address-mac': await forwardedAddressMac(ACCESS_SECRET, '127.0.0.6') };
    const rotated = await app.send('refresh', 'POST', from(LOOPBACK, { cookies: { refresh_token: signedIn.get('refresh_token') ?? '' }, headers }));
    expect(rotated.status).toBe(200);
    expect(await sessionIp()).toBe('127.0.0.6');
    // A forwarded address with a forged MAC is not believed: the request's own address is recorded.
    signedIn.apply(rotated);
    const forged = { 'x-forwarded-client-address': '127.0.0.9', 'x-forwarded-client-address-mac': headers['x-forwarded-client-address-mac'] };
    expect((await app.send('refresh', 'POST', from('127.0.0.7', { cookies: { refresh_token: signedIn.get('refresh_token') ?? '' }, headers: forged }))).status).toBe(200);
    expect(await sessionIp()).toBe('127.0.0.7');
  });
});
