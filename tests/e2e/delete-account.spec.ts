/**
 * Deleting the account from /account (contract "Pages"; issue 9): `Password`, `Delete account`,
 * then `Yes, delete my account`. Afterwards this browser is signed out on /login with a
 * `role="status"` message, another device's session is gone too, the old password signs nobody
 * in, and the email can register again. A wrong password shows an alert and keeps the account.
 */
import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, authCookies, registerViaApi, submitLogin, uniqueEmail } from './support';

/** Every answer to a request for /api/auth/account, as `<method> <status>`. */
const accountResponses = (page: Page): string[] => {
  const seen: string[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/api/auth/account') seen.push(`${response.request().method()} ${response.status()}`);
  });
  return seen;
};

test.describe('/account: Delete account', () => {
  test('asks once more, deletes, and lands signed out on /login with a status message; the account is gone', async ({ page, browser }) => {
    const email = uniqueEmail('delete');
    await registerViaApi(page.request, email);
    // A second device, signed in through the API in its own context.
    const otherContext = await browser.newContext();
    const other = await otherContext.newPage();
    expect((await other.request.post('/api/auth/login', { data: { email, password: PASSWORD } })).status()).toBe(200);
    const sent = accountResponses(page);

    await page.goto('/account');
    const section = page.getByRole('region', { name: 'Delete account' });
    await expect(section).toBeVisible();
    const password = section.getByLabel('Password', { exact: true });
    await expect(password).toHaveAttribute('type', 'password');
    await expect(password).toHaveAttribute('autocomplete', 'current-password');
    const deleteButton = section.getByRole('button', { name: 'Delete account', exact: true });

    // Without a password it asks for one, and sends nothing.
    await deleteButton.click();
    await expect(section.getByRole('alert')).toContainText('Your account was not deleted.');
    await expect(password).toBeFocused();
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(section.getByRole('button', { name: 'Yes, delete my account' })).toHaveCount(0);

    // The first press only asks; Cancel goes back with nothing sent.
    await password.fill(PASSWORD);
    await deleteButton.click();
    const yes = section.getByRole('button', { name: 'Yes, delete my account', exact: true });
    await expect(yes).toBeVisible();
    await expect(section.getByRole('group', { name: 'Delete your account for good?' })).toBeVisible();
    await expect(section.getByRole('button', { name: 'Cancel', exact: true })).toBeFocused();
    await section.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(yes).toHaveCount(0);
    await expect(deleteButton).toBeFocused();
    expect(sent).toEqual([]);

    await deleteButton.click();
    await yes.click();
    await expect(page).toHaveURL('/login');
    await expect(page.getByRole('status').filter({ hasText: 'Your account was deleted.' })).toBeVisible();
    // One DELETE that succeeded; with 3-second access tokens it may follow a 401 that made the
    // client refresh the session once and retry (lib/client/fetch.ts).
    expect(sent.at(-1)).toBe('DELETE 204');
    expect(sent.slice(0, -1).every((answer) => answer === 'DELETE 401')).toBe(true);
    expect(sent.length).toBeLessThanOrEqual(2);
    expect(await authCookies(page.context())).toEqual({ access: undefined, refresh: undefined });
    // A reload does not repeat the message.
    await page.reload();
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
    await expect(page.getByText('Your account was deleted.')).toHaveCount(0);

    // Signed out here, and the other device's session is over too.
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?/);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/account');
    await other.goto('/account');
    await expect(other).toHaveURL(/\/login\?/);
    await otherContext.close();

    // The email and password sign nobody in any more.
    await submitLogin(page, email, PASSWORD);
    await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
    await expect(page).toHaveURL(/\/login/);

    // The email is free: it can register again.
    await registerViaApi(page.request, email);
  });

  test('a wrong password shows an alert and keeps the account', async ({ page }) => {
    const email = uniqueEmail('delete-wrong');
    await registerViaApi(page.request, email);
    await page.goto('/account');
    const section = page.getByRole('region', { name: 'Delete account' });
    const password = section.getByLabel('Password', { exact: true });
    await password.fill('not my password at all');
    await section.getByRole('button', { name: 'Delete account', exact: true }).click();
    await section.getByRole('button', { name: 'Yes, delete my account', exact: true }).click();

    const alert = section.getByRole('alert');
    await expect(alert).toContainText('Your account was not deleted.');
    await expect(section.getByText('The password is incorrect.')).toBeVisible();
    await expect(password).toBeFocused();
    await expect(section.getByRole('button', { name: 'Yes, delete my account' })).toHaveCount(0);
    await expect(page).toHaveURL('/account');

    // Still signed in, still the same account.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    expect((await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } })).status()).toBe(200);
  });
});
