/**
 * A newcomer's `npm run dev` with the default APP_ORIGIN (http://localhost:3000), opened at
 * 127.0.0.1, at the "Network:" address or on another port: sign-up works, because outside
 * production the request's own localhost or IP-literal origin counts as the app's (lib/http/origin.ts).
 * Domain names and mismatched origins are still refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { GOOD_PASSWORD, expectNoCookies } from '../support/security';
import { postServed, type Served } from '../support/served';
import type { Handler } from '../support/http';
import { expectError } from '../support/http';

let app: TestApp;
let register: Handler;
let counter = 0;
const newEmail = () => `dev-${(counter += 1)}@example.com`;

beforeAll(async () => {
  app = await startApp({ NODE_ENV: 'development', APP_ORIGIN: 'http://localhost:3000' });
  const handler = app.routes.register.POST;
  if (!handler) throw new TypeError('register has no POST');
  register = handler;
  // Opens (and migrates) the database, so the refusal tests can look into it on today's code too.
  expect((await app.signUp('first@example.com', GOOD_PASSWORD)).response.status).toBe(201);
});

const ACCEPTED: Record<string, Served> = {
  'the request URL on 127.0.0.1:3000 (no Host header)': { url: 'http://127.0.0.1:3000/api/auth/register', host: null, origin: 'http://127.0.0.1:3000' },
  '127.0.0.1:3000, as Next.js serves it (URL on localhost, Host 127.0.0.1)': { url: 'http://localhost:3000/api/auth/register', host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' },
  'another loopback address, 127.5.5.5': { url: 'http://localhost:3000/api/auth/register', host: '127.5.5.5:3000', origin: 'http://127.5.5.5:3000' },
  '[::1]': { url: 'http://localhost:3000/api/auth/register', host: '[::1]:3000', origin: 'http://[::1]:3000' },
  'the "Network:" address 192.168.1.5': { url: 'http://localhost:3000/api/auth/register', host: '192.168.1.5:3000', origin: 'http://192.168.1.5:3000' },
  'the "Network:" address 10.0.0.1': { url: 'http://localhost:3000/api/auth/register', host: '10.0.0.1:3000', origin: 'http://10.0.0.1:3000' },
  'port 3001 because 3000 was taken': { url: 'http://localhost:3001/api/auth/register', host: 'localhost:3001', origin: 'http://localhost:3001' },
};

const REFUSED: Record<string, Served> = {
  'a domain name, even with matching Host and Origin (DNS rebinding)': { url: 'http://localhost:3000/api/auth/register', host: 'evil.example:3000', origin: 'http://evil.example:3000' },
  'an Origin other than the address the request was sent to': { url: 'http://localhost:3000/api/auth/register', host: '127.0.0.1:3000', origin: 'http://127.0.0.1:8080' },
  'a foreign site sending to 127.0.0.1': { url: 'http://localhost:3000/api/auth/register', host: '127.0.0.1:3000', origin: 'https://evil.example' },
  'another LAN host sending to ours': { url: 'http://localhost:3000/api/auth/register', host: '192.168.1.5:3000', origin: 'http://192.168.1.66:3000' },
};

describe('development follows the address the server really serves on', () => {
  for (const [label, served] of Object.entries(ACCEPTED)) {
    it(`register at ${label} → 201, signed in`, async () => {
      const email = newEmail();
      const response = await postServed(register, served, { email, password: GOOD_PASSWORD });
      expect(response.status).toBe(201);
      expect(response.headers.getSetCookie()).toHaveLength(2);
      expect(await app.query('SELECT id FROM users WHERE email = ?', email)).toHaveLength(1);
    });
  }

  for (const [label, served] of Object.entries(REFUSED)) {
    it(`register from ${label} → 403 forbidden_origin, nothing created`, async () => {
      const email = newEmail();
      const response = await postServed(register, served, { email, password: GOOD_PASSWORD });
      await expectError(response, 403, 'forbidden_origin');
      expectNoCookies(response);
      expect(await app.query('SELECT id FROM users WHERE email = ?', email)).toEqual([]);
    });
  }
});
