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
import { expect, test } from '@playwright/test';
import { startOwnServer, type OwnServer } from './own-server';
import { PASSWORD, authCookies, uniqueEmail, waitForAccessTokenExpiry } from './support';

test.describe('next dev with the default APP_ORIGIN, opened at 127.0.0.1 on another port', () => {
  test.describe.configure({ timeout: 180_000 });

  let server: OwnServer;
  let base = '';

  test.beforeAll(async () => {
    test.setTimeout(150_000);
    const started = Date.now();
    server = await startOwnServer({
      command: 'dev',
      env: { APP_ORIGIN: 'http://localhost:3000', ACCESS_TOKEN_EXPIRY: '3s', BCRYPT_COST: '4' },
      // The first answer also compiles that page.
      readyPath: '/register',
      timeoutMs: 120_000,
    });
    base = `http://127.0.0.1:${server.port}`;
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

  test.afterAll(async () => {
    await server?.stop();
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
