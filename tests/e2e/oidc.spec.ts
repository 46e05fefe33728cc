/**
 * Sign-in with an OpenID Connect provider in a real browser, end to end, against the suite's own
 * oidc-provider (tests/e2e/oidc-issuer-server.ts) and the production build: `Sign in with Company
 * SSO` on /login → the provider's page → back on the dashboard; the account page names the method
 * and refuses to disconnect the last way to sign in; a password account connects the provider
 * from /account and then signs in with it.
 */
import { expect, test, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { OIDC_ISSUER } from './ports';
import { enableTwoFactorViaApi, registerViaApi, uniqueEmail } from './support';

/** On the provider's page: sign in there as `login`. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${OIDC_ISSUER.replace(/[.]/g, '\\.')}/interaction/`));
  await page.getByLabel('Username').fill(login);
  await page.getByRole('button', { name: 'Continue' }).click();
}

const person = (tag: string) => `${tag}-${Date.now()}-${randomBytes(3).toString('hex')}`;

test('Sign in with Company SSO: the first time creates the account, the next finds it; the last way in cannot be disconnected', async ({ page }) => {
  const login = person('sso');
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with Company SSO' }).click();
  await signInAtProvider(page, login);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.locator('[data-status="ready"]')).toContainText(`${login}@sso.example.test`);

  await page.goto('/account');
  await expect(page.locator('[aria-current="true"]')).toContainText('Company SSO');
  const connected = page.getByRole('region', { name: 'Connected accounts' });
  await expect(connected).toContainText(`Connected as ${login}@sso.example.test`);
  await connected.getByRole('button', { name: 'Disconnect' }).click();
  await expect(connected.getByRole('alert')).toContainText('only way left to sign in');

  // Signed out, then in again: the same account (the provider remembers the person, no new page).
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByRole('button', { name: 'Sign in with Company SSO' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.locator('[data-status="ready"]')).toContainText(`${login}@sso.example.test`);
});

test('a password account connects Company SSO on /account, then signs in with it', async ({ page }) => {
  const email = uniqueEmail('connect');
  await registerViaApi(page.request, email);
  await page.goto('/account');
  const connected = page.getByRole('region', { name: 'Connected accounts' });
  await connected.getByRole('button', { name: 'Connect Company SSO' }).click();
  const login = person('connect');
  await signInAtProvider(page, login);
  await expect(page).toHaveURL(/\/account\?connected=1$/);
  await expect(connected.getByRole('status')).toContainText('connected');
  await expect(connected).toContainText(`Connected as ${login}@sso.example.test`);

  // In a fresh browser: the provider button signs in to this (password) account.
  const other = await page.context().browser()?.newContext();
  if (!other) throw new Error('no browser');
  const elsewhere = await other.newPage();
  await elsewhere.goto('/login');
  await elsewhere.getByRole('button', { name: 'Sign in with Company SSO' }).click();
  await signInAtProvider(elsewhere, login);
  await expect(elsewhere).toHaveURL(/\/dashboard$/);
  await expect(elsewhere.locator('[data-status="ready"]')).toContainText(email);
  await other.close();

  // A password remains, so the provider can be disconnected.
  await connected.getByRole('button', { name: 'Disconnect' }).click();
  await expect(connected.getByRole('button', { name: 'Connect Company SSO' })).toBeVisible();
});

test('an unverified provider email never signs in to an existing account with that address', async ({ page, request }) => {
  const login = person('unverified');
  // Someone already has the address the provider will give (and it is not verified by the provider).
  await registerViaApi(request, `${login}@sso.example.test`);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with Company SSO' }).click();
  await signInAtProvider(page, login);
  await expect(page).toHaveURL(/\/login\?oauth_error=oauth_account_exists$/);
  await expect(page.getByRole('alert')).toContainText('Sign in with your password');
});

test('a two-factor account signing in with Company SSO lands on the Code step, and Verify finishes there', async ({ page }) => {
  const login = person('sso-2fa');
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with Company SSO' }).click();
  await signInAtProvider(page, login);
  await expect(page).toHaveURL(/\/dashboard$/);
  // Two-factor turned on from this session (the code is the proof: the account has no password).
  const codeAt = await enableTwoFactorViaApi(page.request);

  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByRole('button', { name: 'Sign in with Company SSO' }).click();
  // The provider's sign-in is one factor: no session yet, the second step on /login instead.
  await expect(page).toHaveURL(/\/login\?second_step=1/);
  const code = page.getByLabel('Code', { exact: true });
  await expect(code).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in with Company SSO' })).toHaveCount(0);
  const names = (await page.context().cookies()).map((cookie) => cookie.name);
  expect(names).not.toContain('access_token');
  expect(names).not.toContain('refresh_token');
  await code.fill(await codeAt(30));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/account');
  await expect(page.locator('[aria-current="true"]')).toContainText('Company SSO and authenticator code');
});
