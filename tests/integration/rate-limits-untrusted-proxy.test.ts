/**
 * Per-IP limits without a trusted proxy and without server.mjs in front (`next dev`, plain
 * `next start`: TRUST_PROXY=false, TRUST_CLIENT_ADDRESS_HEADER unset, RATE_LIMIT_PER_IP=5/15m).
 * The client writes X-Forwarded-For, X-Real-IP and even x-client-address and the forwarded
 * address itself, so rotating them must not buy a fresh bucket (checklist H36): the IP is unknown
 * and all clients share one bucket. With `npm start` each client gets its own bucket from its
 * socket address (rate-limits-client-address.test.ts), and these headers change nothing there either.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { MINUTE, T0 } from '../support/env';
import { expectError } from '../support/http';
import { expectNoCookies, GOOD_PASSWORD, securityEvents, USER_AGENT } from '../support/security';

const IP_LIMIT = 5;

let app: TestApp;

/** A different spoofed client address for every attempt. */
const spoofed = (i: number): Record<string, string> => ({
  'x-forwarded-for': `198.51.100.${i + 1}`,
  'x-real-ip': `192.0.2.${i + 1}`,
  'x-client-address': `203.0.113.${i + 1}`,
  'x-forwarded-client-address': `203.0.113.${i + 101}`,
  'x-forwarded-client-address-mac': 'A'.repeat(43),
  'user-agent': USER_AGENT,
});

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ RATE_LIMIT_PER_IP: `${IP_LIMIT}/15m`, TRUST_PROXY: 'false' });
  expect((await app.signUp('user@example.com', GOOD_PASSWORD)).response.status).toBe(201);
});

beforeEach(() => {
  advanceClock(16 * MINUTE);
});

afterAll(() => {
  restoreClock();
});

describe('forwarding headers without a trusted proxy', () => {
  it('still refuses the 6th sign-in when every attempt claims another X-Forwarded-For, X-Real-IP and x-client-address', async () => {
    for (let i = 0; i < IP_LIMIT; i += 1) {
      const response = await app.send('login', 'POST', { json: { email: 'user@example.com', password: 'not-the-password' }, headers: spoofed(i) });
      expect(response.status, `attempt ${i + 1}`).toBe(401);
    }
    const response = await app.send('login', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD }, headers: spoofed(IP_LIMIT) });
    await expectError(response, 429, 'rate_limited');
    expectNoCookies(response);
  });

  it('refuses register too, whatever the forwarding headers say', async () => {
    for (let i = 0; i < IP_LIMIT; i += 1) {
      const response = await app.send('login', 'POST', { json: { email: `someone-${i}@example.com`, password: GOOD_PASSWORD }, headers: { 'x-forwarded-for': `10.1.${i}.1, 10.2.${i}.2` } });
      expect(response.status).toBe(401);
    }
    const response = await app.send('register', 'POST', { json: { email: 'fresh@example.com', password: GOOD_PASSWORD }, headers: { 'x-real-ip': '192.0.2.200' } });
    await expectError(response, 429, 'rate_limited');
  });

  it('never stores a client-written address: events carry no IP', async () => {
    const response = await app.send('login', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD }, headers: spoofed(42) });
    expect(response.status).toBe(200);
    const [event] = (await securityEvents(app, 'sign_in_succeeded')).slice(-1);
    expect(event).toMatchObject({ ip: null, user_agent: USER_AGENT });
    expect(await app.query<{ ip: string | null }>('SELECT ip FROM sessions')).toEqual(expect.arrayContaining([{ ip: null }]));
    expect(await app.query<{ ip: string | null }>('SELECT ip FROM sessions WHERE ip IS NOT NULL')).toEqual([]);
  });
});
