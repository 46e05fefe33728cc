/**
 * A second production server from the suite's own build (server.mjs, i.e. `npm start`, its output
 * captured):
 * - BCRYPT_COST=10 starts and prints exactly one warning line naming BCRYPT_COST (contract
 *   "Configuration", checklist I43);
 * - a request refused for its Origin prints one warn line naming APP_ORIGIN, once per origin;
 * - production keeps APP_ORIGIN only: a browser at 127.0.0.1 cannot sign up when APP_ORIGIN says
 *   localhost.
 */
import { expect, test } from '@playwright/test';
import { startOwnServer, type OwnServer } from './own-server';
import { PASSWORD, uniqueEmail } from './support';

let server: OwnServer;
let port = 0;
let appOrigin = '';

/** The server's output lines that mention `text`. */
const linesWith = (text: string) => server.output().filter((line) => line.includes(text));

test.beforeAll(async () => {
  server = await startOwnServer({ command: 'start', env: { BCRYPT_COST: '10' }, readyPath: '/login', timeoutMs: 60_000 });
  port = server.port;
  appOrigin = server.origin;
});

test.afterAll(async () => {
  await server?.stop();
});

test('BCRYPT_COST=10 in production: the server starts and prints exactly one warning line naming BCRYPT_COST', async ({ request }) => {
  // A sign-up proves it serves, and that hashing at cost 10 works.
  const response = await request.post(`${appOrigin}/api/auth/register`, { data: { email: uniqueEmail('cost10'), password: PASSWORD } });
  expect(response.status()).toBe(201);
  expect(linesWith('BCRYPT_COST')).toEqual([expect.stringContaining('BCRYPT_COST=10')]);
});

test('a request refused for its Origin logs one line naming APP_ORIGIN, once per origin', async ({ request }) => {
  const wrongOrigin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 3; i += 1) {
    const response = await request.post(`${wrongOrigin}/api/auth/register`, { headers: { origin: wrongOrigin }, data: { email: uniqueEmail('origin'), password: PASSWORD } });
    expect(response.status()).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden_origin');
  }
  await expect.poll(() => linesWith('"origin_refused"').length).toBe(1);
  const line = JSON.parse(linesWith('"origin_refused"')[0] ?? '{}') as Record<string, unknown>;
  expect(line).toMatchObject({ level: 'warn', event: 'origin_refused', origin: wrongOrigin, appOrigin, hint: "set APP_ORIGIN to the site's public origin" });
});

test('production keeps APP_ORIGIN only: a browser at 127.0.0.1 cannot sign up when APP_ORIGIN is localhost', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${port}/register`);
  await page.getByLabel('Email', { exact: true }).fill(uniqueEmail('prod-loopback'));
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  const answer = page.waitForResponse((response) => response.url().endsWith('/api/auth/register'));
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  expect((await answer).status()).toBe(403);
  await expect(page.getByRole('alert')).toContainText('another site');
  await expect(page).toHaveURL(`http://127.0.0.1:${port}/register`);
});
