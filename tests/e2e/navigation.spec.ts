/**
 * The signed-in pages' chrome: one header with `Dashboard` and `Account` links (the current page
 * marked), the user's email and exactly one `Sign out`; a favicon; one time format on every page;
 * `Sign out of other sessions` only when there is another session to sign out of.
 */
import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, registerViaApi, uniqueEmail } from './support';

/** `29 Nov 2026, 21:54:02 UTC`: the one format every page shows times in (lib/format-time.ts). */
const TIME_FORMAT = /^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}:\d{2} UTC$/;

const signOutButton = (page: Page) => page.getByRole('button', { name: 'Sign out', exact: true });
const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const navLink = (page: Page, name: 'Dashboard' | 'Account') => mainNav(page).getByRole('link', { name, exact: true });

/** The page's chrome as the contract wants it, with `current` marked as the page we are on. */
async function expectChrome(page: Page, email: string, current: 'Dashboard' | 'Account'): Promise<void> {
  const other = current === 'Dashboard' ? 'Account' : 'Dashboard';
  await expect(page.getByRole('banner')).toHaveCount(1);
  await expect(page.getByRole('main')).toHaveCount(1);
  await expect(page.getByRole('banner')).toContainText(`Signed in as ${email}`);
  await expect(signOutButton(page)).toHaveCount(1);
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true })).toBeEnabled();
  await expect(navLink(page, current)).toHaveAttribute('aria-current', 'page');
  await expect(navLink(page, other)).not.toHaveAttribute('aria-current', /.*/);
  await expect(page.getByRole('link', { name: 'Dashboard', exact: true })).toHaveAttribute('href', '/dashboard');
  await expect(page.getByRole('link', { name: 'Account', exact: true })).toHaveAttribute('href', '/account');
}

/** Every <time> on the page, as [its text, its dateTime attribute]. */
async function timesOn(page: Page): Promise<Array<[string, string]>> {
  return page.locator('time').evaluateAll((nodes) => nodes.map((node) => [node.textContent ?? '', node.getAttribute('datetime') ?? ''] as [string, string]));
}

test.describe('signed-in pages: header, favicon, times', () => {
  test('/dashboard and /account: one Sign out, the email, and Dashboard/Account links that navigate and mark the current page', async ({ page }) => {
    const email = uniqueEmail('nav');
    await registerViaApi(page.request, email);

    await page.goto('/dashboard');
    await expectChrome(page, email, 'Dashboard');

    await navLink(page, 'Account').click();
    await expect(page).toHaveURL('/account');
    await expect(page.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
    await expectChrome(page, email, 'Account');

    await navLink(page, 'Dashboard').click();
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    await expectChrome(page, email, 'Dashboard');

    // A fresh load of /account (not a client navigation) has the same chrome, and its Sign out works.
    await page.goto('/account');
    await expectChrome(page, email, 'Account');
    await signOutButton(page).click();
    await expect(page).toHaveURL('/login');
    await expect(mainNav(page)).toHaveCount(0);
    await expect(signOutButton(page)).toHaveCount(0);
  });

  test('/favicon.ico is an image', async ({ request, page }) => {
    const response = await request.get('/favicon.ico');
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toMatch(/^image\//);
    const body = await response.body();
    expect(body.length).toBeGreaterThan(0);
    // An ICO container: reserved 0, type 1 (icon), at least one image.
    expect(body.readUInt16LE(0)).toBe(0);
    expect(body.readUInt16LE(2)).toBe(1);
    expect(body.readUInt16LE(4)).toBeGreaterThan(0);
    // And the pages point at it.
    await page.goto('/login');
    await expect(page.locator('link[rel="icon"]').first()).toHaveAttribute('href', /^\/favicon\.ico/);
  });

  test('one time format on /dashboard and /account; the same instant reads the same on both', async ({ page }) => {
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await registerViaApi(page.request, uniqueEmail('times'));

    await page.goto('/dashboard');
    // The live check renders its times in the browser: wait for them too.
    await expect(page.locator('[data-status="ready"]')).toBeVisible();
    const dashboardTimes = await timesOn(page);
    expect(dashboardTimes.length).toBeGreaterThanOrEqual(7);
    for (const [text] of dashboardTimes) expect(text).toMatch(TIME_FORMAT);
    const startedHere = page.getByRole('region', { name: 'This session' }).locator('dt:text-is("Signed in") + dd time');
    const dashboardStart = [await startedHere.textContent(), await startedHere.getAttribute('datetime')];

    await page.goto('/account');
    const accountTimes = await timesOn(page);
    // This session's sign-in and last use, and at least the registration in "Recent activity".
    expect(accountTimes.length).toBeGreaterThanOrEqual(3);
    for (const [text] of accountTimes) expect(text).toMatch(TIME_FORMAT);
    const thisDevice = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').filter({ hasText: 'This device' });
    const signedIn = thisDevice.locator('dt:text-is("Signed in") + dd time');
    expect([await signedIn.textContent(), await signedIn.getAttribute('datetime')]).toEqual(dashboardStart);

    // Server and browser rendered the same strings: React reported no hydration mismatch.
    expect(consoleErrors.filter((text) => /hydrat|#418|#423|#425/i.test(text))).toEqual([]);
  });

  test('`Sign out of other sessions` shows only while another session exists', async ({ page, browser }) => {
    const email = uniqueEmail('othersbutton');
    await registerViaApi(page.request, email);
    const othersButton = page.getByRole('button', { name: 'Sign out of other sessions', exact: true });

    await page.goto('/account');
    await expect(page.getByText('No other sessions')).toBeVisible();
    await expect(othersButton).toHaveCount(0);

    // A second device signs in; after a reload this page offers to sign it out.
    const laptop = await browser.newContext();
    try {
      const signedIn = await laptop.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
      expect(signedIn.status()).toBe(200);
      await page.reload();
      await expect(page.getByRole('list', { name: 'Sessions' }).getByRole('listitem')).toHaveCount(2);
      await expect(othersButton).toBeVisible();

      await othersButton.click();
      await expect(page.getByRole('status').filter({ hasText: 'Every other session was signed out.' })).toBeVisible();
      await expect(page.getByText('No other sessions')).toBeVisible();
      await expect(othersButton).toHaveCount(0);
    } finally {
      await laptop.close();
    }
  });
});
