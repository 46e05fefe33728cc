/**
 * The mail flows in a real browser against the production build, with real SMTP to the suite's
 * mail sink: forgot password → mail → reset page → sign in with the new password (the old one
 * refused); register → verification mail → link → verified (and the resend button); a second
 * device's sign-in mails the owner, the same device twice does not.
 */
import { expect, test } from '@playwright/test';
import { linkIn, mailsTo, waitForMail } from './mail';
import { PASSWORD, registerViaApi, submitLogin, uniqueEmail } from './support';

const NEW_PASSWORD = 'a brand new passphrase 2026';
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

test('forgot password → mail → reset page → sign in with the new password; the old one is refused', async ({ page, request }) => {
  const email = uniqueEmail('forgot');
  await registerViaApi(request, email);

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText('Check your inbox');

  const mail = await waitForMail(request, email, 'Reset your password');
  expect(mail.from).toContain('no-reply@localhost');
  const link = linkIn(mail, '/reset-password');
  expect(new URL(link).origin).toBe(new URL(page.url()).origin);

  await page.goto(link);
  // The token is in this page's URL: the page asks for no referrer.
  await expect(page.locator('meta[name="referrer"]')).toHaveAttribute('content', 'no-referrer');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('status')).toContainText('Your password was changed');

  await submitLogin(page, email, PASSWORD);
  await expect(page.getByRole('alert')).toContainText('incorrect');
  await submitLogin(page, email, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);

  await waitForMail(request, email, 'Your password was changed');
  // The link is spent: opening it again shows an alert with a way to a new one.
  await page.goto(link);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('invalid');
  await expect(alert.getByRole('link', { name: /new reset link/ })).toHaveAttribute('href', '/forgot-password');
});

test('an unknown address gets the same answer on the forgot page, and no mail', async ({ page, request }) => {
  const email = uniqueEmail('unknown');
  await page.goto('/forgot-password');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText('Check your inbox');
  // Give a mail time to arrive if one were (wrongly) sent.
  await page.waitForTimeout(1_000);
  expect(await mailsTo(request, email)).toEqual([]);
});

test('register → verification mail → link → verified; the resend button sends a new link', async ({ page, request }) => {
  const email = uniqueEmail('verify');
  await page.goto('/register');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await waitForMail(request, email, 'Verify your email');
  const resend = page.getByRole('button', { name: 'Resend verification email' });
  await expect(resend).toBeVisible();
  await resend.click();
  await expect(page.getByRole('status').filter({ hasText: 'new link' })).toBeVisible();
  const second = await waitForMail(request, email, 'Verify your email', 1);

  // Opened signed out, as on another device.
  const other = await page.context().browser()?.newContext();
  if (!other) throw new Error('no browser');
  const elsewhere = await other.newPage();
  await elsewhere.goto(linkIn(second, '/verify-email'));
  await expect(elsewhere.getByRole('status')).toHaveText('Your email is verified.');
  await other.close();

  await page.goto('/account');
  await expect(page.getByRole('heading', { name: 'Account', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Resend verification email' })).toHaveCount(0);
  await expect(page.getByText('Email address verified')).toBeVisible();

  // The first link was superseded by the second.
  const first = await waitForMail(request, email, 'Verify your email', 0);
  await page.goto(linkIn(first, '/verify-email'));
  await expect(page.getByRole('alert')).toContainText('invalid');
});

test('a second device signing in triggers the new-sign-in mail; the same device twice does not', async ({ browser, request }) => {
  const email = uniqueEmail('device');
  const home = await browser.newContext();
  const homePage = await home.newPage();
  await homePage.goto('/register');
  await homePage.getByLabel('Email', { exact: true }).fill(email);
  await homePage.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await homePage.getByRole('button', { name: 'Create account' }).click();
  await expect(homePage).toHaveURL(/\/dashboard$/);
  // The same device signs in twice more.
  for (let i = 0; i < 2; i += 1) {
    // Off the dashboard first: its live session check would navigate on its own once the cookies go.
    await homePage.goto('about:blank');
    await home.clearCookies();
    await homePage.goto('/login');
    await submitLogin(homePage, email);
    await expect(homePage).toHaveURL(/\/dashboard$/);
  }

  const away = await browser.newContext({ userAgent: FIREFOX_ON_WINDOWS });
  const awayPage = await away.newPage();
  await awayPage.goto('/login');
  await submitLogin(awayPage, email);
  await expect(awayPage).toHaveURL(/\/dashboard$/);

  const mail = await waitForMail(request, email, 'New sign-in to your account');
  expect(mail.text).toContain('Firefox 140 on Windows');
  expect(mail.text).toMatch(/\/account/);
  // Mails go out in order: had the home device's sign-ins sent one, it would be here by now.
  expect((await mailsTo(request, email)).filter((m) => m.subject.includes('New sign-in'))).toHaveLength(1);
  await home.close();
  await away.close();
});
