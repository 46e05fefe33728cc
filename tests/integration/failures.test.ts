/**
 * When the database fails under a request: a generic 5xx in the contract's shape, no SQL or
 * library text, and no tokens or cookies issued (checklist M52, M54).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { PASSWORD, T0 } from '../support/env';
import { type CookieJar, expectError } from '../support/http';

let app: TestApp;
let jar: CookieJar;
const logged: string[] = [];

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  jar = (await app.signUp('broken@example.com', PASSWORD)).jar;
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  });
  // Break the schema under the running app, as a failed migration or a corrupted file would.
  await app.query('DROP TABLE sessions');
});

afterAll(() => {
  restoreClock();
});

describe('database failure', () => {
  it('login answers a generic 5xx without SQL text and sets no cookies', async () => {
    const response = await app.send('login', 'POST', { json: { email: 'broken@example.com', password: PASSWORD } });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const body = await expectError(response, response.status, response.status === 503 ? 'service_unavailable' : 'internal_error');
    expect(JSON.stringify(body)).not.toMatch(/sessions|no such table|does not exist|sqlite|postgres/i);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('register answers a generic 5xx and sets no cookies', async () => {
    const response = await app.send('register', 'POST', { json: { email: 'new@example.com', password: PASSWORD } });
    expect(response.status).toBeGreaterThanOrEqual(500);
    await expectError(response, response.status, response.status === 503 ? 'service_unavailable' : 'internal_error');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('/me and refresh answer a generic 5xx, never 200', async () => {
    for (const response of [await app.send('me', 'GET', { cookies: jar }), await app.send('refresh', 'POST', { cookies: jar })]) {
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(response.headers.getSetCookie().filter((line) => !/Max-Age=0/i.test(line))).toEqual([]);
      const text = await response.text();
      expect(text).not.toMatch(/no such table|does not exist|sqlite|postgres|\bat .*:\d+/i);
    }
  });

  it('logs the failure without the library message', () => {
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toMatch(/no such table|does not exist|sessions/i);
  });
});
