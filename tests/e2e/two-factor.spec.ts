/**
 * Two-factor authentication in a real browser against the production build (contract "Two-factor
 * authentication"; checklist 63, 64): set TOTP up on /account (the test computes codes from the
 * `Setup key` with otplib, as an authenticator app would), sign out, password → `Code` → the page
 * asked for; the recovery-code path; turning it off with the password.
 *
 * Each code works once (replay protection), so the setup uses the previous step's code (one step
 * of drift is accepted) and the sign-in the current or next one: no test waits for a new step.
 */
import { expect, test, type Page } from '@playwright/test';
import { generate } from 'otplib';
import { waitForMail } from './mail';
import { PASSWORD, authCookies, registerViaApi, submitLogin, uniqueEmail } from './support';

/** The code an authenticator shows for `setupKey`, `offsetS` seconds from now. */
const codeAt = (setupKey: string, offsetS: number) => generate({ secret: setupKey, epoch: Math.floor(Date.now() / 1000) + offsetS });

const section = (page: Page) => page.getByRole('region', { name: 'Two-factor authentication' });

/** Turns two-factor on through the API (for the tests about what comes after); returns the setup key and recovery codes. */
async function enableViaApi(page: Page): Promise<{ setupKey: string; recoveryCodes: string[] }> {
  const setup = await page.request.post('/api/auth/two-factor/setup', { data: {} });
  expect(setup.status()).toBe(200);
  const { setupKey } = (await setup.json()) as { setupKey: string };
  // The current step's code stays acceptable for 30–60 s (one step of drift); the sign-ins after use later steps.
  const enabled = await page.request.post('/api/auth/two-factor/enable', { data: { code: await codeAt(setupKey, 0) } });
  expect(enabled.status()).toBe(200);
  const { recoveryCodes } = (await enabled.json()) as { recoveryCodes: string[] };
  return { setupKey, recoveryCodes };
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
}

test('set up TOTP on /account → sign out → password → Code → the page asked for; then turn it off with the password', async ({ page, request }) => {
  const email = uniqueEmail('totp');
  await registerViaApi(page.request, email);
  await page.goto('/account');

  const twoFactor = section(page);
  await expect(twoFactor.getByRole('status')).toHaveText('Two-factor authentication is off.');
  await twoFactor.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(twoFactor.getByRole('img', { name: /QR code/ })).toBeVisible();
  const setupKey = (await twoFactor.getByLabel('Setup key').textContent()) ?? '';
  expect(setupKey).toMatch(/^[A-Z2-7]{32}$/);
  const code = twoFactor.getByLabel('Code', { exact: true });
  await expect(code).toBeFocused();
  await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(code).toHaveAttribute('inputmode', 'numeric');

  // A wrong code turns nothing on and says so next to the field.
  await code.fill((await codeAt(setupKey, 0)) === '000000' ? '111111' : '000000');
  await twoFactor.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(twoFactor.getByRole('alert')).toContainText('not turned on');
  await expect(code).toBeFocused();
  // The code of the current step, taken only now: the wrong try above can take seconds on a loaded
  // machine, and a code taken before it (of the step before, as this test once did) expired when a
  // step boundary fell in between. The current step's code stays acceptable for 30–60 s.
  await code.fill(await codeAt(setupKey, 0));
  await twoFactor.getByRole('button', { name: 'Turn on two-factor authentication' }).click();

  const codes = twoFactor.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const recoveryCodes = (await codes.allTextContents()).map((text) => text.trim());
  for (const each of recoveryCodes) expect(each).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
  await twoFactor.getByRole('button', { name: 'I have saved my recovery codes' }).click();
  await expect(twoFactor.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);
  await expect(twoFactor.getByRole('button', { name: 'Turn off two-factor authentication' })).toBeFocused();
  await waitForMail(request, email, 'Two-factor authentication was turned on');
  // Shown once: a reload shows them no more.
  await page.reload();
  await expect(section(page).getByRole('status')).toContainText('10 recovery codes left');
  await expect(page.getByText(recoveryCodes[0] ?? '')).toHaveCount(0);

  await signOut(page);
  await page.goto('/login?next=/account');
  await submitLogin(page, email);
  const second = page.getByLabel('Code', { exact: true });
  await expect(second).toBeFocused();
  await expect(second).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(second).toHaveAttribute('inputmode', 'numeric');
  // The password alone signed nobody in.
  expect(await authCookies(page.context())).toEqual({ access: undefined, refresh: undefined });
  const challenge = (await page.context().cookies()).find((cookie) => cookie.name === 'two_factor_challenge');
  expect(challenge?.httpOnly).toBe(true);
  expect(challenge?.sameSite).toBe('Strict');

  await second.fill('000000' === (await codeAt(setupKey, 30)) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('did not work');
  await expect(second).toBeFocused();
  await second.fill(await codeAt(setupKey, 30));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator('[aria-current="true"]')).toContainText('Password and authenticator code');

  // Turning it off asks for the password.
  const again = section(page);
  await again.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  const password = again.getByLabel('Your password', { exact: true });
  await expect(password).toBeFocused();
  await password.fill('not the password at all');
  await again.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await expect(again.getByRole('alert')).toContainText('still on');
  await password.fill(PASSWORD);
  await again.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await expect(again.getByRole('status')).toHaveText('Two-factor authentication is off.');
  await expect(again.getByRole('button', { name: 'Set up two-factor authentication' })).toBeVisible();
  await waitForMail(request, email, 'Two-factor authentication was turned off');

  // The password alone signs in again.
  await signOut(page);
  await submitLogin(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('the recovery-code path: password → Use a recovery code → dashboard; the code works once', async ({ page, browser, request }) => {
  const email = uniqueEmail('recovery');
  await registerViaApi(page.request, email);
  const { recoveryCodes } = await enableViaApi(page);
  const [first = '', second = ''] = recoveryCodes;

  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto('/login');
  await submitLogin(other, email);
  await other.getByRole('button', { name: 'Use a recovery code' }).click();
  const field = other.getByLabel('Recovery code', { exact: true });
  await expect(field).toBeFocused();
  await field.fill(first);
  await other.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(other).toHaveURL(/\/dashboard$/);
  await waitForMail(request, email, 'A recovery code was used');
  await other.goto('/account');
  await expect(other.locator('[aria-current="true"]')).toContainText('Password and recovery code');
  await expect(section(other).getByRole('status')).toContainText('9 recovery codes left');
  await signOut(other);

  // The same code again: refused; another one works.
  await submitLogin(other, email);
  await other.getByRole('button', { name: 'Use a recovery code' }).click();
  await other.getByLabel('Recovery code', { exact: true }).fill(first);
  await other.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(other.getByRole('alert')).toContainText('did not work');
  await other.getByLabel('Recovery code', { exact: true }).fill(second.toUpperCase());
  await other.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(other).toHaveURL(/\/dashboard$/);
  await context.close();
});
