import { expect, test } from '@playwright/test';
import { PASSWORD, currentPath, registerViaApi, submitLogin, uniqueEmail } from './support';

// Every test here has users and sessions of its own: spread them over the workers instead of
// running the file's long waits for token expiry one after another (playwright.config.ts).
test.describe.configure({ mode: 'parallel' });

test.describe('redirects', () => {
  test('a protected page sends signed-out visitors to /login?next=… and sign-in lands back there', async ({ page, request }) => {
    const email = uniqueEmail('next');
    await registerViaApi(request, email);

    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/login\?/);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/dashboard');

    await submitLogin(page, email);
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
  });

  test('the query string of the original page survives the round trip', async ({ page, request }) => {
    const email = uniqueEmail('nextquery');
    await registerViaApi(request, email);
    await page.goto('/dashboard?view=compact');
    await expect(page).toHaveURL(/\/login\?/);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/dashboard?view=compact');
    await submitLogin(page, email);
    await expect.poll(() => currentPath(page)).toBe('/dashboard?view=compact');
  });

  const attempts = ['https://evil.example', '//evil.example', '/\\evil.example', '/%2F%2Fevil.example', 'javascript:alert(1)'];
  for (const attempt of attempts) {
    test(`sign-in with next=${attempt} stays on the site`, async ({ page, request, baseURL }) => {
      const email = uniqueEmail('openredirect');
      await registerViaApi(request, email);
      const offSite: string[] = [];
      page.on('request', (req) => {
        if (new URL(req.url()).origin !== baseURL) offSite.push(req.url());
      });
      let dialogs = 0;
      page.on('dialog', (dialog) => {
        dialogs += 1;
        void dialog.dismiss();
      });

      await page.goto(`/login?next=${encodeURIComponent(attempt)}`);
      await submitLogin(page, email);
      await expect(page).toHaveURL(`${baseURL}/dashboard`);
      await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
      expect(offSite).toEqual([]);
      expect(dialogs).toBe(0);
    });
  }

  test('register ignores an off-site next and follows a same-site one', async ({ page, baseURL }) => {
    await page.goto(`/register?next=${encodeURIComponent('//evil.example')}`);
    await page.getByLabel('Email', { exact: true }).fill(uniqueEmail('regnext'));
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page).toHaveURL(`${baseURL}/dashboard`);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL('/login');
    await page.goto(`/register?next=${encodeURIComponent('/dashboard?welcome=1')}`);
    await page.getByLabel('Email', { exact: true }).fill(uniqueEmail('regnext'));
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect.poll(() => currentPath(page)).toBe('/dashboard?welcome=1');
  });
});
