/**
 * Sign-in by email link in a real browser against the production build, with real SMTP: `Email me
 * a sign-in link` on /login (with the `Email` field) → the mail → /magic-link, whose page signs
 * nobody in by being opened (reloaded, even) → `Sign in` → the dashboard; the spent link then
 * shows an alert. An unknown address gets the same message and no mail. Requested from
 * /login?next=<page> (a protected page opened signed out), the link lands on that page, through
 * the second step for a two-factor account.
 */
import { expect, test, type Page } from '@playwright/test';
import { linkIn, mailsTo, waitForMail } from './mail';
import { authCookies, enableTwoFactorViaApi, registerViaApi, uniqueEmail } from './support';

/** On /login: asks for a link to `email` and opens it from the mail; returns the link. */
async function openSignInLink(page: Page, email: string): Promise<string> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'sign-in link' })).toContainText('Check your inbox');
  const link = linkIn(await waitForMail(page.request, email, 'Your sign-in link'), '/magic-link');
  // Where it lands is stored with the link, not written into it.
  expect(new URL(link).search).toMatch(/^\?token=[A-Za-z0-9_-]+$/);
  await page.goto(link);
  return link;
}

test('Email me a sign-in link → mail → the link page (opening it signs nobody in) → Sign in → dashboard, once', async ({ page, request }) => {
  const email = uniqueEmail('magic');
  await registerViaApi(request, email);

  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'sign-in link' })).toContainText('Check your inbox');

  const mail = await waitForMail(request, email, 'Your sign-in link');
  const link = linkIn(mail, '/magic-link');
  expect(new URL(link).origin).toBe(new URL(page.url()).origin);

  // Opened (twice, as a scanner and then the person would): still signed out, the link still live.
  await page.goto(link);
  await page.reload();
  await expect(page.locator('meta[name="referrer"]')).toHaveAttribute('content', 'no-referrer');
  expect((await authCookies(page.context())).refresh).toBeUndefined();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.locator('[data-status="ready"]')).toContainText(email);

  await page.goto('/account');
  await expect(page.locator('[aria-current="true"]')).toContainText('Email link');

  // Spent: the page says so and offers a new one.
  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('invalid');
});

test('a protected page opened signed out → /login?next= → Email me a sign-in link → Sign in → back on that page', async ({ page, request }) => {
  const email = uniqueEmail('magic-next');
  await registerViaApi(request, email);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await openSignInLink(page, email);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator('[aria-current="true"]')).toContainText('Email link');
});

test('a two-factor account: /login?next= → the email link → Sign in → the code → back on that page', async ({ page }) => {
  const email = uniqueEmail('magic-next-2fa');
  await registerViaApi(page.request, email);
  const codeAt = await enableTwoFactorViaApi(page.request);
  await page.context().clearCookies();

  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await openSignInLink(page, email);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/login\?second_step=1&next=%2Faccount$/);
  expect((await authCookies(page.context())).refresh).toBeUndefined();
  await page.getByLabel('Code', { exact: true }).fill(await codeAt(30));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator('[aria-current="true"]')).toContainText('Email link and authenticator code');
});

test('an unknown address gets the same message on /login, and no mail', async ({ page, request }) => {
  const email = uniqueEmail('magic-unknown');
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'sign-in link' })).toContainText('Check your inbox');
  await page.waitForTimeout(1_000);
  expect(await mailsTo(request, email)).toEqual([]);
});
