import path from 'node:path';
import { expect, test } from '@playwright/test';
import { linkIn, waitForMail } from './mail';
import { PASSWORD, registerViaApi, uniqueEmail } from './support';

/**
 * Screenshots for the README, same viewport every run (see playwright.config.ts). They are
 * always taken (and attached to the report); they replace docs/*.png only with
 * UPDATE_SCREENSHOTS=1, so that `npm test` leaves the working tree clean.
 */
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

test('screenshots of the sign-in page and the dashboard', async ({ page, baseURL }, testInfo) => {
  const docs = path.join(path.dirname(testInfo.config.configFile ?? path.resolve('playwright.config.ts')), 'docs');
  const target = (name: string) => (UPDATE ? path.join(docs, name) : testInfo.outputPath(name));

  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
  // The suite configures one OpenID Connect provider (playwright.config.ts): its button is in the picture.
  await expect(page.getByRole('button', { name: 'Sign in with Company SSO' })).toBeEnabled();
  await page.screenshot({ path: target('login.png'), animations: 'disabled' });

  // A fixed, friendly identity for the picture; the database is fresh each run.
  const email = 'ada@example.com';
  const registered = await page.request.post('/api/auth/register', { data: { email, password: PASSWORD, name: 'Ada Lovelace' } });
  if (registered.status() === 409) {
    const signedIn = await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
    expect(signedIn.status()).toBe(200);
  } else {
    expect(registered.status()).toBe(201);
  }
  await page.goto(`${baseURL}/dashboard`);
  await expect(page.locator('[data-status="ready"]')).toContainText(email);
  await page.screenshot({ path: target('dashboard.png'), animations: 'disabled', fullPage: true });
});

test('screenshot of the reset-password page', async ({ page, request }, testInfo) => {
  const docs = path.join(path.dirname(testInfo.config.configFile ?? path.resolve('playwright.config.ts')), 'docs');
  const target = UPDATE ? path.join(docs, 'reset-password.png') : testInfo.outputPath('reset-password.png');
  const email = uniqueEmail('screenshot-reset');
  await registerViaApi(request, email);
  expect((await request.post('/api/auth/password/forgot', { data: { email } })).status()).toBe(202);
  const mail = await waitForMail(request, email, 'Reset your password');
  await page.goto(linkIn(mail, '/reset-password'));
  await expect(page.getByRole('button', { name: 'Set new password' })).toBeEnabled();
  await page.screenshot({ path: target, animations: 'disabled' });
});

test('screenshot of the two-factor setup on /account', async ({ page }, testInfo) => {
  const docs = path.join(path.dirname(testInfo.config.configFile ?? path.resolve('playwright.config.ts')), 'docs');
  const target = UPDATE ? path.join(docs, 'two-factor-setup.png') : testInfo.outputPath('two-factor-setup.png');
  await registerViaApi(page.request, uniqueEmail('screenshot-2fa'));
  await page.goto('/account');
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await section.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(section.getByRole('img', { name: /QR code/ })).toBeVisible();
  await expect(section.getByLabel('Setup key')).toHaveText(/^[A-Z2-7]{32}$/);
  await section.screenshot({ path: target, animations: 'disabled' });
});
