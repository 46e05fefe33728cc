/**
 * The account page's `API keys` section (contract "Machine clients"): create a key (shown once,
 * with a copy hint), see it listed with name, created and last used, use it as a bearer token
 * against the production server, revoke it, and see it refused at once.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { registerViaApi, uniqueEmail } from './support';

const section = (page: Page): Locator => page.getByRole('region', { name: 'API keys' });
const keyRows = (page: Page): Locator => section(page).getByRole('list', { name: 'API keys' }).getByRole('listitem');

test.describe('/account: API keys', () => {
  test('create (shown once), listed, used, revoked: refused at once', async ({ page }) => {
    const email = uniqueEmail('apikeys');
    // Registering through the page's request context signs this browser in.
    await registerViaApi(page.request, email);

    await page.goto('/account');
    await expect(section(page).getByRole('heading', { name: 'API keys', level: 2 })).toBeVisible();
    await expect(section(page).getByText('No API keys yet')).toBeVisible();

    // An empty name is the API's validation error, next to the field.
    await section(page).getByRole('button', { name: 'Create API key' }).click();
    await expect(section(page).getByRole('alert')).toBeVisible();
    await expect(section(page).getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');

    await section(page).getByLabel('Name').fill('Nightly backup');
    await section(page).getByLabel('Expires').selectOption({ label: 'In 30 days' });
    await section(page).getByRole('button', { name: 'Create API key' }).click();

    const shown = section(page).getByRole('region', { name: 'New API key' });
    await expect(shown.getByRole('status')).toContainText('it will not be shown again');
    const key = (await shown.getByLabel('API key').textContent()) ?? '';
    expect(key).toMatch(/^ntak_[A-Za-z0-9_-]{16}_[A-Za-z0-9_-]{43}$/);
    await expect(shown.getByRole('button', { name: 'Copy key' })).toBeVisible();

    await expect(keyRows(page)).toHaveCount(1);
    const row = keyRows(page).first();
    await expect(row).toContainText('Nightly backup');
    await expect(row.getByText('Created')).toBeVisible();
    await expect(row.getByRole('definition').nth(1)).toHaveText('Never');

    // The key works as a bearer token on the read-only API (without the browser's cookies).
    const me = await page.request.get('/api/auth/me', { headers: { Authorization: `Bearer ${key}` } });
    expect(me.status()).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(email);

    // Shown once: after a reload the page has the row but never the key.
    await page.reload();
    await expect(keyRows(page)).toHaveCount(1);
    expect(await page.content()).not.toContain(key.slice(22));
    await expect(keyRows(page).first().getByRole('definition').nth(1)).not.toHaveText('Never');
    // Recent activity tells the owner.
    await expect(page.getByRole('cell', { name: 'API key “Nightly backup” created' })).toBeVisible();
    await expect(page.getByRole('cell', { name: 'API key “Nightly backup” used from a new IP address' })).toBeVisible();

    await keyRows(page).first().getByRole('button', { name: 'Revoke' }).click();
    await expect(section(page).getByText('No API keys yet')).toBeVisible();
    const refused = await page.request.get('/api/auth/me', { headers: { Authorization: `Bearer ${key}` } });
    expect(refused.status()).toBe(401);
  });
});
