import { expect, test } from '@playwright/test';
import { authCookies, recordRequests, registerViaApi, uniqueEmail, waitForAccessTokenExpiry } from './support';

/** A refresh token is `<session id>.<generation>.<MAC>`: the parts a test may read. */
function partsOf(token: string | undefined): { session: string; generation: number } {
  const [session, generation] = (token ?? '').split('.');
  if (!session || generation === undefined || !/^\d+$/.test(generation)) throw new TypeError('not a refresh token');
  return { session, generation: Number(generation) };
}
const sessionOf = (token: string | undefined) => partsOf(token).session;
const generationOf = (token: string | undefined) => partsOf(token).generation;

test.describe('silent refresh', () => {
  test('after the access token expired, /dashboard renders in the same navigation with rotated cookies', async ({ page }) => {
    const email = uniqueEmail('silent');
    await registerViaApi(page.request, email);
    await page.goto('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    // (The short-lived access cookie may already be gone on a loaded machine; the refresh cookie is not.)
    const before = await authCookies(page.context());
    expect(before.refresh).toBeTruthy();

    await waitForAccessTokenExpiry(page);

    const requested = recordRequests(page);
    const response = await page.goto('/dashboard');
    expect(response?.status()).toBe(200);
    expect(response?.request().redirectedFrom()).toBeNull();
    // The rotated cookies come with the page itself.
    const setCookies = (await response?.headerValues('set-cookie')) ?? [];
    expect(setCookies.some((line) => line.startsWith('access_token='))).toBe(true);
    expect(setCookies.some((line) => line.startsWith('refresh_token='))).toBe(true);

    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    // The client-side check, which runs after the page loaded, agrees.
    await expect(page.locator('[data-status="ready"]')).toContainText(email);
    expect(requested).not.toContain('/login');

    const after = await authCookies(page.context());
    expect(after.access).toBeTruthy();
    expect(after.access).not.toBe(before.access);
    expect(after.refresh).toBeTruthy();
    expect(after.refresh).not.toBe(before.refresh);
  });

  test('ten parallel API calls after expiry all succeed, and the session keeps working', async ({ page }) => {
    const email = uniqueEmail('parallel');
    await registerViaApi(page.request, email);
    await page.goto('/dashboard');
    await expect(page.locator('[data-status="ready"]')).toContainText(email);
    const before = await authCookies(page.context());

    await waitForAccessTokenExpiry(page);

    const requested = recordRequests(page);
    // What a client component does with authFetch (lib/client/fetch.ts): ten calls at once; API
    // routes are outside the middleware, so all ten get 401 with WWW-Authenticate, share ONE
    // refresh and retry.
    const results = await page.evaluate(async () => {
      // authFetch's single flight: one shared refresh, and a call sent before a refresh finished
      // retries at once without starting another.
      let refreshing: Promise<boolean> | null = null;
      let refreshes = 0;
      const refresh = () =>
        (refreshing ??= fetch('/api/auth/refresh', { method: 'POST' })
          .then((response) => {
            if (response.ok) refreshes += 1;
            return response.ok;
          })
          .finally(() => {
            refreshing = null;
          }));
      const call = async () => {
        const refreshesAtSend = refreshes;
        const first = await fetch('/api/auth/me');
        const challenge = first.headers.get('www-authenticate');
        let response = first;
        if (first.status === 401 && challenge !== null && (refreshes !== refreshesAtSend || (await refresh()))) response = await fetch('/api/auth/me');
        const body: unknown = response.ok ? await response.json() : null;
        return { first: first.status, challenge, status: response.status, body };
      };
      return Promise.all(Array.from({ length: 10 }, call));
    });
    expect(results.map((result) => result.first)).toEqual(Array(10).fill(401));
    expect(results.map((result) => result.challenge)).toEqual(Array(10).fill('Bearer'));
    expect(results.map((result) => result.status)).toEqual(Array(10).fill(200));
    for (const result of results) expect(result.body).toMatchObject({ user: { email } });
    // One refresh for ten failed calls, made by the browser (the middleware never sees an API call).
    expect(requested.filter((path) => path === '/api/auth/refresh')).toEqual(['/api/auth/refresh']);

    // The session moved on by exactly one generation, and every call got it.
    const after = await authCookies(page.context());
    expect(after.refresh).toBeTruthy();
    expect(sessionOf(after.refresh)).toBe(sessionOf(before.refresh));
    expect(generationOf(after.refresh)).toBe(generationOf(before.refresh) + 1);
    const me = await page.request.get('/api/auth/me');
    expect(me.status()).toBe(200);
    await page.goto('/dashboard');
    await expect(page).toHaveURL('/dashboard');
    await expect(page.locator('[data-status="ready"]')).toContainText(email);

    // And it still refreshes the next time the access token runs out.
    await waitForAccessTokenExpiry(page);
    const refreshed = await page.request.post('/api/auth/refresh');
    expect(refreshed.status()).toBe(200);
    expect((await page.request.get('/api/auth/me')).status()).toBe(200);
  });

  test('the dashboard check recovers by itself after expiry (authFetch)', async ({ page }) => {
    const email = uniqueEmail('checkagain');
    await registerViaApi(page.request, email);
    await page.goto('/dashboard');
    await expect(page.locator('[data-status="ready"]')).toContainText(email);

    await waitForAccessTokenExpiry(page);
    const requested = recordRequests(page);
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect(page.locator('[data-status="ready"]')).toContainText(email);
    expect(requested).toContain('/api/auth/me');
    expect(requested).not.toContain('/login');
    expect((await authCookies(page.context())).access).toBeTruthy();
  });

  test('sign out makes the old refresh cookie useless', async ({ page, request }) => {
    const email = uniqueEmail('revoked');
    await registerViaApi(page.request, email);
    await page.goto('/dashboard');
    const saved = await authCookies(page.context());
    expect(saved.refresh).toBeTruthy();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL('/login');

    // A copy of the cookies taken before sign-out, replayed from outside the browser.
    const replay = await request.post('/api/auth/refresh', { headers: { Cookie: `refresh_token=${saved.refresh}` } });
    expect(replay.status()).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'invalid_refresh_token' } });
    const stale = await request.get('/api/auth/me', { headers: { Authorization: `Bearer ${saved.access}` } });
    expect(stale.status()).toBe(401);
  });
});
