/**
 * Sessions and devices, with two (or three) browser contexts as separate devices: device A sees
 * every session on /account and ends the others by revoking one, by changing the password, or
 * with `Sign out of other sessions`; the other device's next navigation after its 6-second access
 * token expires lands on /login. Also the screenshot of /account for the README.
 */
import path from 'node:path';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { PASSWORD, authCookies, currentPath, registerViaApi, submitLogin, uniqueEmail, waitForAccessTokenExpiry } from './support';

// Every test here has users and sessions of its own: spread them over the workers instead of
// running the file's long waits for token expiry one after another (playwright.config.ts).
test.describe.configure({ mode: 'parallel' });

const NEW_PASSWORD = 'a different, longer passphrase 2026';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';

/** Another device: a fresh browser context with its own cookies (and user agent), signed in through /login. */
async function signInOnAnotherDevice(browser: Browser, email: string, userAgent: string, password = PASSWORD): Promise<Page> {
  const context = await browser.newContext({ userAgent });
  const page = await context.newPage();
  await page.goto('/login');
  await submitLogin(page, email, password);
  await expect(page).toHaveURL('/dashboard');
  await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
  return page;
}

const sessionList = (page: Page): Locator => page.getByRole('list', { name: 'Sessions' });
const sessionRows = (page: Page): Locator => sessionList(page).getByRole('listitem');
const rowFor = (page: Page, device: string): Locator => sessionRows(page).filter({ hasText: device });

/** Waits out the device's access token, then navigates: a revoked session must land on /login. */
async function expectSignedOutOnNextNavigation(page: Page, path: string): Promise<void> {
  await waitForAccessTokenExpiry(page);
  await page.goto(path);
  await expect(page).toHaveURL(/\/login\?/);
  expect(new URL(page.url()).searchParams.get('next')).toBe(path);
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  // The failed refresh cleared the dead refresh cookie: nothing left to try with.
  expect((await authCookies(page.context())).refresh).toBeUndefined();
}

test.describe('/account: sessions and devices', () => {
  test('device A sees both sessions and revokes B; B is signed out on its next navigation', async ({ page, browser }) => {
    const email = uniqueEmail('revoke');
    await registerViaApi(page.request, email);
    const phone = await signInOnAnotherDevice(browser, email, FIREFOX_WINDOWS);

    await page.goto('/account');
    await expect(page.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
    await expect(sessionRows(page)).toHaveCount(2);
    // Newest first: the phone signed in after this browser registered.
    await expect(sessionRows(page).first()).toContainText('Firefox 121 on Windows');
    const here = sessionRows(page).filter({ hasText: 'This device' });
    await expect(here).toHaveCount(1);
    await expect(here).toContainText(/Chrome \d+ on Linux/);
    await expect(here.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
    await expect(here).toContainText('Last active');
    await expect(here).toContainText('Signed in withPassword');
    await expect(page.getByText('No other sessions')).toHaveCount(0);

    const other = rowFor(page, 'Firefox 121 on Windows');
    await other.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(sessionRows(page)).toHaveCount(1);
    await expect(page.getByText('No other sessions')).toBeVisible();
    await expect(page.getByRole('table')).toContainText('Session revoked');

    // Before its access token expires, the phone's token still passes the edge, but every page
    // that checks the session in the database already refuses it.
    await phone.goto('/account');
    await expect(phone).toHaveURL(/\/login\?/);
    await expectSignedOutOnNextNavigation(phone, '/dashboard');

    // Device A goes on, across its own silent refresh.
    await waitForAccessTokenExpiry(page);
    await page.goto('/account');
    await expect(page).toHaveURL('/account');
    await expect(sessionRows(page)).toHaveCount(1);
    await phone.context().close();
  });

  test('changing the password on A signs B out the same way; A stays signed in', async ({ page, browser }) => {
    const email = uniqueEmail('password');
    await registerViaApi(page.request, email);
    const laptop = await signInOnAnotherDevice(browser, email, FIREFOX_WINDOWS);

    await page.goto('/account');
    await expect(sessionRows(page)).toHaveCount(2);
    const current = page.getByLabel('Current password', { exact: true });
    const next = page.getByLabel('New password', { exact: true });
    await expect(current).toHaveAttribute('autocomplete', 'current-password');
    await expect(next).toHaveAttribute('autocomplete', 'new-password');
    await expect(current).toHaveAttribute('type', 'password');

    // Hold the request a moment so the pending state can be seen.
    await page.route('**/api/auth/password', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await route.continue();
    });
    await current.fill(PASSWORD);
    await next.fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Changing password…' })).toBeDisabled();
    await expect(page.getByRole('status').filter({ hasText: 'Your password was changed.' })).toBeVisible();
    await expect(current).toHaveValue('');
    await expect(sessionRows(page)).toHaveCount(1);
    await expect(page.getByText('No other sessions')).toBeVisible();
    await expect(page.getByRole('table')).toContainText('Password changed');

    await expectSignedOutOnNextNavigation(laptop, '/dashboard');
    // The new password is the one that works now.
    await submitLogin(laptop, email, PASSWORD);
    await expect(laptop.locator('form').getByRole('alert')).toContainText('The email or password is incorrect.');
    await submitLogin(laptop, email, NEW_PASSWORD);
    await expect.poll(() => currentPath(laptop)).toBe('/dashboard');

    // A went on: still signed in after its own access token expired.
    await waitForAccessTokenExpiry(page);
    await page.goto('/account');
    await expect(page).toHaveURL('/account');
    await laptop.context().close();
  });

  test('`Sign out of other sessions` signs every other device out; this one goes on', async ({ page, browser }) => {
    const email = uniqueEmail('others');
    await registerViaApi(page.request, email);
    const laptop = await signInOnAnotherDevice(browser, email, FIREFOX_WINDOWS);
    const phone = await signInOnAnotherDevice(browser, email, SAFARI_IPHONE);

    await page.goto('/account');
    await expect(sessionRows(page)).toHaveCount(3);
    await expect(rowFor(page, 'Safari 17 on iOS')).toHaveCount(1);
    await page.getByRole('button', { name: 'Sign out of other sessions', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Every other session was signed out.' })).toBeVisible();
    await expect(sessionRows(page)).toHaveCount(1);
    await expect(sessionRows(page)).toContainText('This device');
    await expect(page.getByText('No other sessions')).toBeVisible();

    await expectSignedOutOnNextNavigation(laptop, '/dashboard');
    await expectSignedOutOnNextNavigation(phone, '/account');
    await page.goto('/account');
    await expect(page).toHaveURL('/account');
    await laptop.context().close();
    await phone.context().close();
  });

  test('the buttons still work after the page sat open past the access token lifetime', async ({ page, browser }) => {
    const email = uniqueEmail('idlepage');
    await registerViaApi(page.request, email);
    const laptop = await signInOnAnotherDevice(browser, email, FIREFOX_WINDOWS);
    const phone = await signInOnAnotherDevice(browser, email, SAFARI_IPHONE);
    await page.goto('/account');
    await expect(sessionRows(page)).toHaveCount(3);

    // No navigation: the browser has dropped the access cookie; the click must refresh, not fail.
    await waitForAccessTokenExpiry(page);
    await rowFor(page, 'Safari 17 on iOS').getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(sessionRows(page)).toHaveCount(2);

    await waitForAccessTokenExpiry(page);
    await page.getByRole('button', { name: 'Sign out of other sessions', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Every other session was signed out.' })).toBeVisible();
    await expect(sessionRows(page)).toHaveCount(1);
    await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveCount(0);
    await expect(page).toHaveURL('/account');
    await expectSignedOutOnNextNavigation(laptop, '/dashboard');
    await laptop.context().close();
    await phone.context().close();
  });

  test('password form: a wrong current password and a short new one are shown next to their fields', async ({ page }) => {
    const email = uniqueEmail('pwerrors');
    await registerViaApi(page.request, email);
    await page.goto('/account');
    const current = page.getByLabel('Current password', { exact: true });
    const next = page.getByLabel('New password', { exact: true });
    const button = page.getByRole('button', { name: 'Change password', exact: true });

    await current.fill('not my password');
    await next.fill(NEW_PASSWORD);
    await button.click();
    await expect(page.locator('form').getByRole('alert')).toContainText('Your password was not changed.');
    await expect(current).toHaveAttribute('aria-invalid', 'true');
    await expect(current).toHaveAccessibleDescription(/current password is incorrect/i);
    await expect(current).toBeFocused();
    // A wrong password is not a dead session: still here, still signed in.
    await expect(page).toHaveURL('/account');

    await current.fill(PASSWORD);
    await next.fill('short');
    await button.click();
    await expect(next).toHaveAttribute('aria-invalid', 'true');
    await expect(next).toHaveAccessibleDescription(/at least 8 characters/i);
    await expect(current).not.toHaveAttribute('aria-invalid', 'true');
    await expect(button).toBeEnabled();

    // Nothing changed: the old password still signs in.
    const check = await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
    expect(check.status()).toBe(200);
  });

  test('signed out, /account sends the visitor to sign in and back; the dashboard links to it', async ({ page, request }) => {
    const email = uniqueEmail('accountnext');
    await registerViaApi(request, email);
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?/);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/account');
    await submitLogin(page, email);
    await expect.poll(() => currentPath(page)).toBe('/account');
    // Two sessions: the one registration started (in another client) and this browser's.
    await expect(sessionRows(page)).toHaveCount(2);
    await expect(sessionRows(page).filter({ hasText: 'This device' })).toHaveCount(1);

    await page.goto('/dashboard');
    await page.getByRole('link', { name: /sessions/i }).click();
    await expect(page).toHaveURL('/account');
  });
});

/** The README's picture of /account: written to docs/ only with UPDATE_SCREENSHOTS=1 (see screenshots.spec.ts). */
test('screenshot of /account', async ({ page, browser }, testInfo) => {
  const docs = path.join(path.dirname(testInfo.config.configFile ?? path.resolve('playwright.config.ts')), 'docs');
  const target = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(docs, 'account.png') : testInfo.outputPath('account.png');

  // A fixed, friendly identity for the picture; the database is fresh each run.
  const email = 'grace@example.com';
  const registered = await page.request.post('/api/auth/register', { data: { email, password: PASSWORD, name: 'Grace Hopper' } });
  if (registered.status() === 409) expect((await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } })).status()).toBe(200);
  else expect(registered.status()).toBe(201);
  const laptop = await signInOnAnotherDevice(browser, email, FIREFOX_WINDOWS);
  const phone = await signInOnAnotherDevice(browser, email, SAFARI_IPHONE);
  const old = await signInOnAnotherDevice(browser, email, FIREFOX_WINDOWS);
  // Some history for "Recent activity": a failed attempt and a signed-out device.
  expect((await page.request.post('/api/auth/login', { data: { email, password: 'a wrong guess' } })).status()).toBe(401);
  await old.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(old).toHaveURL('/login');

  await page.goto('/account');
  await expect(sessionRows(page)).toHaveCount(3);
  await expect(page.getByRole('table')).toContainText('Failed sign-in attempt');
  await page.screenshot({ path: target, animations: 'disabled', fullPage: true });
  for (const other of [laptop, phone, old]) await other.context().close();
});
