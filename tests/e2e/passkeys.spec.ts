/**
 * Passkeys in a real browser (issue 13; checklist 65): Chromium's virtual authenticator (CDP
 * `WebAuthn.addVirtualAuthenticator`: CTAP2, internal transport, resident keys, user verification
 * that succeeds) stands in for a phone or laptop. Add a passkey on /account, sign out,
 * `Sign in with a passkey` on /login (no email typed) → dashboard, the session says so; remove it →
 * signing in with it is refused. The password form keeps working beside the passkey button.
 */
import path from 'node:path';
import { expect, test, type CDPSession, type Page } from '@playwright/test';
import { PASSWORD, registerViaApi, submitLogin, uniqueEmail } from './support';

const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

/** Gives the page's tab a platform authenticator that holds discoverable credentials and verifies its user. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

/**
 * Turns off autofill passkeys (conditional UI) in this page's browser. Chromium's virtual
 * authenticator answers a pending autofill request at once, as if the user had picked the passkey
 * from the Email field's list; the button tests must see only the request the button makes.
 */
async function withoutAutofill(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: () => Promise.resolve(false) });
  });
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
}

test.describe('passkeys', () => {
  test('add on /account, sign out, sign in with it → dashboard; remove it → sign-in with it refused', async ({ page }, testInfo) => {
    await withoutAutofill(page);
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    const email = uniqueEmail('passkey');
    await registerViaApi(page.request, email);

    await page.goto('/account');
    const section = page.getByRole('region', { name: 'Passkeys' });
    await expect(section.getByText('No passkeys yet')).toBeVisible();
    await section.getByRole('button', { name: 'Add a passkey', exact: true }).click();
    await expect(section.getByRole('status')).toContainText('Passkey added');
    const rows = section.getByRole('list', { name: 'Passkeys' }).getByRole('listitem');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('Chrome');
    await expect(rows.first()).toContainText('Never');
    await expect(rows.first().getByRole('button', { name: 'Remove', exact: true })).toBeVisible();
    // The authenticator now holds one discoverable credential for this site.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    expect(credentials[0]?.rpId).toBe('localhost');

    await signOut(page);
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in with a passkey', exact: true }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole('main')).toContainText(email);

    await page.goto('/account');
    await expect(page.getByRole('listitem').filter({ hasText: 'This device' })).toContainText('Passkey');
    const row = section.getByRole('list', { name: 'Passkeys' }).getByRole('listitem').first();
    await expect(row).not.toContainText('Never');
    // The README's picture (docs/passkeys.png, replaced only with UPDATE_SCREENSHOTS=1, as in screenshots.spec.ts).
    await section.screenshot({ path: UPDATE ? path.join(path.dirname(testInfo.config.configFile ?? path.resolve('playwright.config.ts')), 'docs', 'passkeys.png') : testInfo.outputPath('passkeys.png'), animations: 'disabled' });
    await row.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect(section.getByText('No passkeys yet')).toBeVisible();

    // The authenticator still holds the credential, but the site no longer knows it.
    await signOut(page);
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in with a passkey', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('This passkey was not accepted');
    await expect(page).toHaveURL(/\/login/);
    expect((await page.request.get('/api/auth/me')).status()).toBe(401);
  });

  test('honours `next`', async ({ page }) => {
    await withoutAutofill(page);
    await virtualAuthenticator(page);
    await registerViaApi(page.request, uniqueEmail('passkey-next'));
    await page.goto('/account');
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByRole('button', { name: 'Add a passkey', exact: true }).click();
    await expect(section.getByRole('status')).toContainText('Passkey added');
    await signOut(page);

    await page.goto('/login?next=%2Faccount');
    await page.getByRole('button', { name: 'Sign in with a passkey', exact: true }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole('listitem').filter({ hasText: 'This device' })).toContainText('Passkey');
  });

  test('offers passkeys in the Email field’s autofill (conditional UI); the password form works beside it', async ({ page, browser }) => {
    await virtualAuthenticator(page);
    const email = uniqueEmail('passkey-autofill');
    await registerViaApi(page.request, email);
    await page.goto('/account');
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByRole('button', { name: 'Add a passkey', exact: true }).click();
    await expect(section.getByRole('status')).toContainText('Passkey added');
    // Signing out lands on /login, whose autofill request the virtual authenticator answers at once
    // (standing in for the user picking the passkey from the list): signed in again, no click.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/account');
    await expect(page.getByRole('listitem').filter({ hasText: 'This device' })).toContainText('Passkey');

    // A browser whose authenticator has no passkey for the site: the autofill request stays
    // pending, and the password form signs in as always.
    const context = await browser.newContext();
    const other = await context.newPage();
    await virtualAuthenticator(other);
    await other.goto('/login?next=%2Faccount');
    await expect(other.getByLabel('Email', { exact: true })).toHaveAttribute('autocomplete', 'username webauthn');
    await expect(other.getByRole('button', { name: 'Sign in with a passkey', exact: true })).toBeEnabled();
    await submitLogin(other, email, PASSWORD);
    await expect(other).toHaveURL(/\/account$/);
    await expect(other.getByRole('listitem').filter({ hasText: 'This device' })).toContainText('Password');
    await context.close();
  });

  test('a browser without WebAuthn sees no passkey button on /login and a note on /account', async ({ page }) => {
    await page.addInitScript(() => {
      Reflect.deleteProperty(window, 'PublicKeyCredential');
    });
    await page.goto('/login');
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toHaveCount(0);
    await registerViaApi(page.request, uniqueEmail('no-webauthn'));
    await page.goto('/account');
    await expect(page.getByRole('region', { name: 'Passkeys' })).toContainText('This browser cannot create passkeys');
    await expect(page.getByRole('button', { name: 'Add a passkey' })).toHaveCount(0);
  });
});
