import { expect, test } from '@playwright/test';
import { PASSWORD, authCookies, registerViaApi, submitLogin, uniqueEmail, waitForAccessTokenExpiry } from './support';

// Every test here has users and sessions of its own: spread them over the workers instead of
// running the file's long waits for token expiry one after another (playwright.config.ts).
test.describe.configure({ mode: 'parallel' });

test.describe('register, sign out, sign in', () => {
  test('register lands on the dashboard, signed in, with a pending state while submitting', async ({ page }) => {
    const email = uniqueEmail('register');
    await page.goto('/register');
    await expect(page.getByRole('heading', { name: 'Create account' })).toBeVisible();

    // Hold the API call a moment so the pending state can be seen.
    await page.route('**/api/auth/register', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Creating account…' })).toBeDisabled();

    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
    const cookies = await authCookies(page.context());
    expect(cookies.access).toBeTruthy();
    expect(cookies.refresh).toBeTruthy();
  });

  test('sign out goes to /login and ends the session; sign in brings the user back', async ({ page }) => {
    const email = uniqueEmail('signout');
    await registerViaApi(page.request, email);
    await page.goto('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL('/login');
    expect(await authCookies(page.context())).toEqual({ access: undefined, refresh: undefined });

    // Signed out now: the dashboard sends us to sign in.
    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/login\?/);

    await page.goto('/login');
    await submitLogin(page, email);
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
  });

  test('signing out while the dashboard is still checking the session lands on plain /login', async ({ page }) => {
    await registerViaApi(page.request, uniqueEmail('signoutrace'));
    // Hold the dashboard's /api/auth/me until the sign-out is done: it then comes back 401.
    let releaseMe: () => void = () => undefined;
    const meHeld = new Promise<void>((resolve) => {
      releaseMe = resolve;
    });
    await page.route('**/api/auth/me', async (route) => {
      await meHeld;
      await route.continue();
    });
    await page.goto('/dashboard');
    const loggedOut = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/auth/logout');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await loggedOut;
    releaseMe();
    await expect(page).toHaveURL('/login');
    await page.waitForLoadState('networkidle');
    await expect(page).toHaveURL('/login');
  });

  test('a wrong password is reported in an alert and the user stays on /login', async ({ page, request }) => {
    const email = uniqueEmail('wrongpw');
    await registerViaApi(request, email);
    await page.goto('/login');
    await submitLogin(page, email, 'not the right password');

    // Page-wide: the form's alert is the only element with that role (see route-announcer.tsx).
    await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
    await expect(page).toHaveURL('/login');
    expect((await authCookies(page.context())).refresh).toBeUndefined();
    // The button is usable again for the next attempt.
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
  });

  test('field errors from the API are shown next to their fields', async ({ page }) => {
    await page.goto('/register');
    await page.getByLabel('Email', { exact: true }).fill('not-an-email');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();

    await expect(page.getByRole('alert')).toContainText('Some fields are missing or invalid.');
    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    await expect(email).toHaveAccessibleDescription(/valid email/i);
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toHaveAccessibleDescription(/at least 8 characters/i);
    await expect(page.getByLabel('Name', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
    // Focus moves to the first field that needs fixing.
    await expect(email).toBeFocused();
    await expect(page).toHaveURL('/register');
  });

  test('form fields carry the right types and autocomplete hints', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByLabel('Email', { exact: true })).toHaveAttribute('autocomplete', 'username webauthn'); // passkeys offered in its autofill (passkeys.spec.ts)
    await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('type', 'password');
    await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('autocomplete', 'current-password');
    await expect(page.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', '/register');

    await page.goto('/register');
    await expect(page.getByLabel('Email', { exact: true })).toHaveAttribute('autocomplete', 'email');
    await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('type', 'password');
    await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('autocomplete', 'new-password');
  });

  test('signed-in users who open /login or /register go to the dashboard', async ({ page }) => {
    const email = uniqueEmail('signedin');
    await registerViaApi(page.request, email);
    await page.goto('/login');
    await expect(page).toHaveURL('/dashboard');
    await page.goto('/register');
    await expect(page).toHaveURL('/dashboard');
  });

  test('the default per-account limit bites: after 10 failed sign-ins the 11th is refused, even with the right password', async ({ page }) => {
    // The e2e server raises only the per-IP limit (every test browser is one IP); the per-account
    // limit is the default RATE_LIMIT_PER_ACCOUNT=10/15m.
    const email = uniqueEmail('limited');
    await registerViaApi(page.request, email);
    expect((await page.request.post('/api/auth/logout')).status()).toBe(204);
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await page.request.post('/api/auth/login', { data: { email, password: 'not the password at all' } });
      expect(response.status(), `attempt ${attempt}`).toBe(401);
    }
    const refused = await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
    expect(refused.status()).toBe(429);
    expect((await refused.json()).error.code).toBe('rate_limited');
    expect(Number(refused.headers()['retry-after'])).toBeGreaterThan(0);

    await page.goto('/login');
    await submitLogin(page, email);
    await expect(page.getByRole('alert')).toContainText(/Too many attempts\. Please try again in \d+ seconds?\./);
    await expect(page).toHaveURL('/login');
  });

  test('a user whose access cookie expired is still recognised on /login and /register (silent refresh there too)', async ({ page, context }) => {
    await registerViaApi(page.request, uniqueEmail('guestrefresh'));
    for (const path of ['/login', '/register']) {
      await waitForAccessTokenExpiry(page);
      expect((await authCookies(context)).access).toBeUndefined();
      await page.goto(path);
      await expect(page).toHaveURL('/dashboard');
      expect((await authCookies(context)).access).toBeDefined();
    }
  });

  test('the pages load without console errors (hydration, Content-Security-Policy)', async ({ page }) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    for (const path of ['/', '/login', '/register']) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
    }
    await registerViaApi(page.request, uniqueEmail('console'));
    await page.goto('/dashboard');
    await expect(page.locator('[data-status="ready"]')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
