/**
 * A second production server from the suite's own build (`next start`, its output captured):
 * - BCRYPT_COST=10 starts and prints exactly one warning line naming BCRYPT_COST (contract
 *   "Configuration", checklist I43);
 * - a request refused for its Origin prints one warn line naming APP_ORIGIN, once per origin;
 * - production keeps APP_ORIGIN only: a browser at 127.0.0.1 cannot sign up when APP_ORIGIN says
 *   localhost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { PASSWORD, uniqueEmail } from './support';

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let server: ChildProcess | undefined;
let output = '';
let port = 0;
let appOrigin = '';

/** The server's output lines that mention `text`. */
const linesWith = (text: string) => output.split('\n').filter((line) => line.includes(text));

test.beforeAll(async () => {
  port = await freePort();
  appOrigin = `http://localhost:${port}`;
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const child = spawn('node_modules/.bin/next', ['start', '--port', String(port)], {
    // Its own process group, so stopping it stops next-server too.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...inherited,
      NODE_ENV: 'production',
      NEXT_DIST_DIR: '.next-e2e',
      NEXT_TELEMETRY_DISABLED: '1',
      DATABASE_URL: `file:${path.join(os.tmpdir(), `e2e-start-${Date.now()}-${process.pid}.db`)}`,
      ACCESS_TOKEN_SECRET: randomBytes(32).toString('hex'),
      REFRESH_TOKEN_SECRET: randomBytes(32).toString('hex'),
      COOKIE_SECURE: 'false',
      APP_ORIGIN: appOrigin,
      BCRYPT_COST: '10',
    },
  });
  server = child;
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${appOrigin}/login`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`next start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

test.afterAll(() => {
  if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
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
