/**
 * Production keeps the contract's rule, APP_ORIGIN only: the dev server's 127.0.0.1 case is
 * refused, and the operator gets one warn line naming APP_ORIGIN per refused origin, not one per
 * request.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { expectError, type Handler } from '../support/http';
import { GOOD_PASSWORD, expectNoCookies } from '../support/security';
import { postServed, type Served } from '../support/served';

const APP_ORIGIN = 'https://auth.example.com';
let app: TestApp;
let register: Handler;
let warn: MockInstance<typeof console.warn>;
let counter = 0;
const newEmail = () => `prod-${(counter += 1)}@example.com`;

/** Every warn line so far, parsed (each must be one JSON object on one line). */
function warnLines(): Record<string, unknown>[] {
  return warn.mock.calls.map(([line]) => {
    expect(String(line)).not.toMatch(/[\r\n]/);
    return JSON.parse(String(line)) as Record<string, unknown>;
  });
}

beforeAll(async () => {
  app = await startApp({ NODE_ENV: 'production', APP_ORIGIN, COOKIE_SECURE: 'false' });
  const handler = app.routes.register.POST;
  if (!handler) throw new TypeError('register has no POST');
  register = handler;
});

beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  warn.mockRestore();
});

const LOOPBACK: Served = { url: 'http://127.0.0.1:3000/api/auth/register', host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' };

describe('production: APP_ORIGIN only, and one log line naming it', () => {
  it('register from http://127.0.0.1:3000 at 127.0.0.1:3000 → 403, one warn line naming APP_ORIGIN; the same origin again → no second line', async () => {
    const first = await postServed(register, LOOPBACK, { email: newEmail(), password: GOOD_PASSWORD });
    await expectError(first, 403, 'forbidden_origin');
    expectNoCookies(first);
    expect(warnLines()).toEqual([
      { level: 'warn', event: 'origin_refused', at: expect.any(String), origin: 'http://127.0.0.1:3000', appOrigin: APP_ORIGIN, hint: "set APP_ORIGIN to the site's public origin" },
    ]);

    const second = await postServed(register, LOOPBACK, { email: newEmail(), password: GOOD_PASSWORD });
    await expectError(second, 403, 'forbidden_origin');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('a new refused origin gets its own line; a hostile Origin is logged sanitised on one line', async () => {
    const hostile = `https://evil.example\r\n{"level":"error"}${'x'.repeat(500)}`;
    // Headers refuse CR/LF, so a hostile Origin reaches us with other control characters at most.
    const sent = hostile.replace(/\r\n/g, '\t');
    const response = await postServed(register, { ...LOOPBACK, origin: sent }, { email: newEmail(), password: GOOD_PASSWORD });
    await expectError(response, 403, 'forbidden_origin');
    const [line] = warnLines();
    expect(warnLines()).toHaveLength(1);
    expect(line?.origin).toBe(`https://evil.example?{"level":"error"}${'x'.repeat(200 - 38)}...`);
  });

  it('APP_ORIGIN itself passes and logs nothing', async () => {
    const response = await postServed(register, { url: `${APP_ORIGIN}/api/auth/register`, host: 'auth.example.com', origin: APP_ORIGIN }, { email: newEmail(), password: GOOD_PASSWORD });
    expect(response.status).toBe(201);
    expect(warn).not.toHaveBeenCalled();
  });
});
