/**
 * The newcomer's case end to end, on a real `next dev`: the default APP_ORIGIN
 * (http://localhost:3000), but the server on another port and opened at 127.0.0.1. Registering
 * must work (the Origin rule follows the address the server serves on) and so must the
 * middleware's silent refresh (it calls the refresh route on the server's own port, not
 * APP_ORIGIN's).
 *
 * The dev server gets its own secrets, a temporary database and the `.next-e2e` build folder
 * (its dev output goes to `.next-e2e/dev`, already in tsconfig.json), so it writes nothing into
 * the developer's `data/`, `.next` or tsconfig.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { PASSWORD, authCookies, uniqueEmail, waitForAccessTokenExpiry } from './support';

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

/** Polls a URL until it answers 200 (the first answer also compiles that page). */
async function waitUntilServing(url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`next dev did not serve ${url} within ${timeoutMs} ms:\n${output()}`);
}

test.describe('next dev with the default APP_ORIGIN, opened at 127.0.0.1 on another port', () => {
  test.describe.configure({ timeout: 180_000 });

  let server: ChildProcess | undefined;
  let output = '';
  let base = '';

  test.beforeAll(async () => {
    test.setTimeout(150_000);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const child = spawn('node_modules/.bin/next', ['dev', '--port', String(port)], {
      // Its own process group, so stopping it stops next's child server too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...inherited,
        NODE_ENV: 'development',
        NEXT_DIST_DIR: '.next-e2e',
        NEXT_TELEMETRY_DISABLED: '1',
        DATABASE_URL: `file:${path.join(os.tmpdir(), `e2e-dev-${Date.now()}-${process.pid}.db`)}`,
        ACCESS_TOKEN_SECRET: randomBytes(32).toString('hex'),
        REFRESH_TOKEN_SECRET: randomBytes(32).toString('hex'),
        APP_ORIGIN: 'http://localhost:3000',
        ACCESS_TOKEN_EXPIRY: '3s',
        BCRYPT_COST: '4',
      },
    });
    server = child;
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = Date.now();
    await waitUntilServing(`${base}/register`, 120_000, () => output);
    // Compile every route the test reaches now, so no first compile (seconds on a busy machine)
    // falls between a cookie being set and the test reading it.
    await Promise.all([
      fetch(`${base}/login`),
      fetch(`${base}/dashboard`, { redirect: 'manual' }),
      fetch(`${base}/api/auth/register`, { method: 'POST' }),
      fetch(`${base}/api/auth/refresh`, { method: 'POST' }),
      fetch(`${base}/api/auth/me`),
    ]);
    test.info().annotations.push({ type: 'next dev start and compile', description: `${Date.now() - started} ms` });
  });

  test.afterAll(() => {
    if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
  });

  test('register lands on /dashboard, and after the access token expired the silent refresh keeps the user signed in', async ({ page }) => {
    const email = uniqueEmail('dev-origin');
    await page.goto(`${base}/register`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page).toHaveURL(`${base}/dashboard`, { timeout: 60_000 });
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    const before = await authCookies(page.context());

    await waitForAccessTokenExpiry(page);
    await page.goto(`${base}/dashboard`);
    await expect(page).toHaveURL(`${base}/dashboard`);
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    // Rotated by the middleware's refresh call (the 3-second access cookie may be gone again by now).
    const after = await authCookies(page.context());
    expect(after.refresh).toBeTruthy();
    expect(after.refresh).not.toBe(before.refresh);
  });
});
