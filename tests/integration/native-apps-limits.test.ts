/**
 * The native token and revocation endpoints share the per-IP limits of sign-in and refresh
 * (checklist 37; RATE_LIMIT_PER_IP=5/15m behind a trusted proxy): failed code exchanges, failed
 * refreshes and unknown clients count, a limited IP gets 429 with Retry-After in the RFC 6749
 * §5.2 shape, and the same bucket then refuses a sign-in. An authentic exchange or refresh costs
 * nothing, as a browser's silent refresh costs nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { MINUTE, T0 } from '../support/env';
import { expectError } from '../support/http';
import { authorizationCode, authorizeParams, exchange, loadNativeRoutes, NATIVE_CLIENT, NATIVE_CLIENTS, newPkce, postForm, type NativeRoutes } from '../support/native';
import { GOOD_PASSWORD, IP_A, IP_B } from '../support/security';

const IP_LIMIT = 5;
let app: TestApp;
let routes: NativeRoutes;

const from = (ip: string) => ({ 'x-real-ip': ip });
const FORGED_REFRESH = `${'A'.repeat(22)}.0.${'A'.repeat(43)}`;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ RATE_LIMIT_PER_IP: `${IP_LIMIT}/15m`, TRUST_PROXY: 'true', NATIVE_CLIENTS });
  routes = await loadNativeRoutes();
  expect((await app.signUp('native-limits@example.com', GOOD_PASSWORD)).response.status).toBe(201);
});

beforeEach(() => {
  advanceClock(16 * MINUTE);
});

afterAll(() => {
  restoreClock();
});

describe('the token endpoint shares the per-IP limit', () => {
  it('failed code exchanges, failed refreshes and unknown clients count; the 6th attempt is 429, and so is a sign-in from that IP', async () => {
    const failures = [
      () => exchange(routes, 'A'.repeat(43), newPkce(), {}),
      () => postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: FORGED_REFRESH, client_id: NATIVE_CLIENT }, from(IP_A)),
      () => postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: FORGED_REFRESH, client_id: 'com.example.evil' }, from(IP_A)),
      () => postForm(routes, 'revoke', { token: FORGED_REFRESH, client_id: NATIVE_CLIENT }, from(IP_A)),
      () => postForm(routes, 'token', { grant_type: 'authorization_code', code: 'B'.repeat(43), redirect_uri: 'http://127.0.0.1:1/callback', client_id: NATIVE_CLIENT, code_verifier: newPkce().verifier }, from(IP_A)),
    ];
    // The first one is sent without a proxy header: the shared "unknown" bucket, not IP_A's.
    expect((await failures[0]!()).status).toBe(400);
    const statuses = [];
    for (const failure of failures.slice(1)) statuses.push((await failure()).status);
    // Revocation answers 200 for an unknown token (RFC 7009), but the attempt still counts.
    expect(statuses).toEqual([400, 400, 200, 400]);
    const refreshAgain = await postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: FORGED_REFRESH, client_id: NATIVE_CLIENT }, from(IP_A));
    expect(refreshAgain.status).toBe(400);
    const limited = await postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: FORGED_REFRESH, client_id: NATIVE_CLIENT }, from(IP_A));
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('rate_limited');
    expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(0);
    // One bucket: the sign-in page is closed to that IP too, and open to another.
    await expectError(await app.send('login', 'POST', { json: { email: 'native-limits@example.com', password: GOOD_PASSWORD }, headers: from(IP_A) }), 429, 'rate_limited');
    expect((await app.send('login', 'POST', { json: { email: 'native-limits@example.com', password: GOOD_PASSWORD }, headers: from(IP_B) })).status).toBe(200);
  });

  it('an authentic exchange and refresh cost nothing: a whole limit of them passes', async () => {
    const { jar } = await app.signIn('native-limits@example.com', GOOD_PASSWORD);
    let refreshToken = '';
    for (let i = 0; i < IP_LIMIT + 2; i += 1) {
      const pkce = newPkce();
      const code = await authorizationCode(routes, jar, authorizeParams(pkce));
      const tokens = await postForm(routes, 'token', { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:51234/callback', client_id: NATIVE_CLIENT, code_verifier: pkce.verifier }, from(IP_A));
      expect(tokens.status, `exchange ${i + 1}`).toBe(200);
      refreshToken = String(tokens.body.refresh_token);
    }
    for (let i = 0; i < IP_LIMIT + 2; i += 1) {
      const refreshed = await postForm(routes, 'token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: NATIVE_CLIENT }, from(IP_A));
      expect(refreshed.status, `refresh ${i + 1}`).toBe(200);
      refreshToken = String(refreshed.body.refresh_token);
    }
  });
});
