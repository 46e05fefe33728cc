/**
 * Issue 9, "Cookies and sessions", on the production build with the middleware in front: a
 * response clears only the auth cookies its request carried (so a slow answer to a signed-out
 * request cannot sign out a browser that has just signed in), and a cookie name sent twice means
 * "signed out" to the middleware and to the page or route handler alike.
 */
import { expect, test, type APIResponse, type PlaywrightWorkerArgs } from '@playwright/test';
import { PASSWORD, authCookies, registerViaApi, submitLogin, uniqueEmail, waitForAccessTokenExpiry } from './support';

/** The response's Set-Cookie lines, by cookie name (a cleared cookie has an empty value and Max-Age=0). */
function setCookieLines(response: APIResponse): Map<string, string> {
  const lines = new Map<string, string>();
  for (const header of response.headersArray()) {
    if (header.name.toLowerCase() !== 'set-cookie') continue;
    // A client may fold several Set-Cookie headers into one value, one per line.
    for (const line of header.value.split('\n')) lines.set(line.slice(0, line.indexOf('=')).trim(), line);
  }
  return lines;
}

function expectCleared(line: string | undefined, name: string, where: string): void {
  expect(line, `${where}: ${name} cleared`).toMatch(new RegExp(`^${name}=;`));
  expect(line, `${where}: ${name} Max-Age=0`).toMatch(/Max-Age=0/i);
  expect(line, `${where}: ${name} Path=/`).toMatch(/Path=\//);
}

/** Registers a user in its own request context; returns the email and the cookie values it was given. */
async function registeredUser(playwright: PlaywrightWorkerArgs['playwright'], baseURL: string | undefined, tag: string) {
  const context = await playwright.request.newContext({ baseURL });
  const email = uniqueEmail(tag);
  await registerViaApi(context, email);
  const state = await context.storageState();
  await context.dispose();
  const access = state.cookies.find((cookie) => cookie.name === 'access_token')?.value ?? '';
  const refresh = state.cookies.find((cookie) => cookie.name === 'refresh_token')?.value ?? '';
  expect(access.split('.')).toHaveLength(3);
  expect(refresh).not.toBe('');
  return { email, access, refresh };
}

test.describe('a response clears only the auth cookies its request carried', () => {
  test('without cookies: a protected page, a protected API, refresh and logout send no clearing Set-Cookie', async ({ playwright, baseURL }) => {
    const context = await playwright.request.newContext({ baseURL });
    try {
      const answers: Array<[string, APIResponse, number]> = [
        ['GET /dashboard', await context.get('/dashboard', { maxRedirects: 0 }), 303],
        ['GET /account', await context.get('/account', { maxRedirects: 0 }), 303],
        ['GET /login', await context.get('/login', { maxRedirects: 0 }), 200],
        ['GET /api/auth/me', await context.get('/api/auth/me'), 401],
        ['GET /api/auth/sessions', await context.get('/api/auth/sessions'), 401],
        ['POST /api/auth/refresh', await context.post('/api/auth/refresh'), 401],
        ['POST /api/auth/logout', await context.post('/api/auth/logout'), 204],
      ];
      for (const [where, response, status] of answers) {
        expect(response.status(), where).toBe(status);
        expect([...setCookieLines(response).values()], `${where}: Set-Cookie`).toEqual([]);
        expect(response.headers()['clear-site-data'], `${where}: Clear-Site-Data`).toBeUndefined();
      }
    } finally {
      await context.dispose();
    }
  });

  test('with only a refresh cookie that is refused: only the refresh cookie is cleared', async ({ request }) => {
    // Garbage (refused in the middleware without a refresh call) and a well-formed unknown token
    // (refused by the refresh route the middleware calls: its 401 must not clear the access cookie).
    for (const value of ['garbage', `AAAAAAAAAAAAAAAAAAAAAA.0.${'A'.repeat(43)}`]) {
      const headers = { cookie: `refresh_token=${value}` };
      const answers: Array<[string, APIResponse, number]> = [
        ['GET /dashboard', await request.get('/dashboard', { headers, maxRedirects: 0 }), 303],
        ['POST /api/auth/refresh', await request.post('/api/auth/refresh', { headers }), 401],
        ['POST /api/auth/logout', await request.post('/api/auth/logout', { headers }), 204],
      ];
      for (const [path, response, status] of answers) {
        const where = `${path} (refresh cookie ${value.slice(0, 10)})`;
        expect(response.status(), where).toBe(status);
        const lines = setCookieLines(response);
        expect([...lines.keys()], `${where}: cookies cleared`).toEqual(['refresh_token']);
        expectCleared(lines.get('refresh_token'), 'refresh_token', where);
      }
      // A protected API route judges only the access token: it answers 401 with the challenge and
      // leaves the refresh cookie to the refresh route the client calls next.
      const me = await request.get('/api/auth/me', { headers });
      expect(me.status(), `GET /api/auth/me (refresh cookie ${value.slice(0, 10)})`).toBe(401);
      expect(me.headers()['www-authenticate']).toBe('Bearer');
      expect([...setCookieLines(me).keys()], 'GET /api/auth/me: no cookie cleared').toEqual([]);
    }
  });

  test('with an expired-looking access cookie and a refused refresh cookie: both are cleared', async ({ request }) => {
    const headers = { cookie: `access_token=a.b.c; refresh_token=AAAAAAAAAAAAAAAAAAAAAA.0.${'A'.repeat(43)}` };
    const response = await request.get('/dashboard', { headers, maxRedirects: 0 });
    expect(response.status()).toBe(303);
    const lines = setCookieLines(response);
    expect([...lines.keys()].sort()).toEqual(['access_token', 'refresh_token']);
    expectCleared(lines.get('access_token'), 'access_token', 'GET /dashboard');
    expectCleared(lines.get('refresh_token'), 'refresh_token', 'GET /dashboard');
  });

  test('a slow answer to a request sent signed out does not sign out the browser that signed in meanwhile', async ({ page, context, request }) => {
    const email = uniqueEmail('stale');
    await registerViaApi(request, email);

    // A second tab of the same browser sends two signed-out requests; their real answers are
    // fetched from the server at once (the server answers while nobody is signed in) but reach
    // the browser only after the sign-in, as a slow network would deliver them.
    const stale = await context.newPage();
    await stale.goto('/');
    let release: () => void = () => undefined;
    const signedIn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answered: string[] = [];
    await stale.route(/\/api\/auth\/(me|refresh)$/, async (route) => {
      const response = await route.fetch();
      answered.push(`${new URL(route.request().url()).pathname} ${response.status()}`);
      await signedIn;
      await route.fulfill({ response });
    });
    const pending = stale.evaluate(async () => {
      const [me, refresh] = await Promise.all([fetch('/api/auth/me'), fetch('/api/auth/refresh', { method: 'POST' })]);
      return [me.status, refresh.status];
    });
    await expect.poll(() => answered.length).toBe(2);
    expect(answered.sort()).toEqual(['/api/auth/me 401', '/api/auth/refresh 401']);

    await page.goto('/login');
    await submitLogin(page, email);
    await expect(page).toHaveURL('/dashboard');
    // The refresh cookie is the session (the access cookie lives only a few seconds in this suite and may
    // expire on its own at any moment, so it proves nothing either way here).
    expect((await authCookies(context)).refresh).toBeTruthy();
    // A just-issued access cookie (silent refresh after expiry), so that it is usually still
    // alive when the stale answers arrive. Nothing on the page refreshes by itself meanwhile.
    await waitForAccessTokenExpiry(page);
    await page.goto('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    const before = (await context.cookies()).filter((cookie) => cookie.name === 'access_token' || cookie.name === 'refresh_token');
    expect(before.map((cookie) => cookie.name)).toContain('refresh_token');

    release();
    expect(await pending).toEqual([401, 401]);
    // The stale answers cleared nothing: every auth cookie that has not reached its own expiry is
    // still there, unchanged. The refresh cookie (days) is always checked; the access cookie
    // (6 s in this suite) whenever a loaded machine has not let it run out by itself.
    const checkedAt = Date.now() / 1000;
    const after = await context.cookies();
    const checked = before.filter((cookie) => cookie.expires > checkedAt + 0.5);
    expect(checked.map((cookie) => cookie.name)).toContain('refresh_token');
    for (const cookie of checked) expect(after.find((other) => other.name === cookie.name)?.value, `${cookie.name} after the stale answers`).toBe(cookie.value);
    // ... and the browser is signed in: the dashboard shows the user.
    await page.goto('/dashboard');
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    expect((await authCookies(context)).refresh).toBeTruthy();
  });
});

test.describe('one cookie reader: a name sent twice is "signed out" everywhere', () => {
  test('two valid access cookies of two users: the page redirects to sign in and the API answers 401, showing neither user', async ({ playwright, baseURL, request }) => {
    const a = await registeredUser(playwright, baseURL, 'dup-a');
    const b = await registeredUser(playwright, baseURL, 'dup-b');
    for (const cookie of [`access_token=${a.access}; access_token=${b.access}`, `access_token=${b.access}; access_token=${a.access}`]) {
      const pageResponse = await request.get('/dashboard', { headers: { cookie }, maxRedirects: 0 });
      expect(pageResponse.status(), cookie.slice(0, 40)).toBe(303);
      expect(new URL(pageResponse.headers().location ?? '', 'http://x').pathname).toBe('/login');
      const followed = await request.get('/dashboard', { headers: { cookie } });
      expect(new URL(followed.url()).pathname).toBe('/login');
      const pageBody = await followed.text();
      expect(pageBody).not.toContain(a.email);
      expect(pageBody).not.toContain(b.email);

      const api = await request.get('/api/auth/me', { headers: { cookie } });
      expect(api.status()).toBe(401);
      expect(await api.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
      const sessions = await request.get('/api/auth/sessions', { headers: { cookie } });
      expect(sessions.status()).toBe(401);
    }
    // Access tokens live 6 s in this suite: each one alone is still accepted now, so both were
    // valid throughout, and only their being sent together made the requests signed out.
    for (const user of [a, b]) {
      const me = await request.get('/api/auth/me', { headers: { cookie: `access_token=${user.access}` } });
      expect(me.status()).toBe(200);
      expect(await me.text()).toContain(user.email);
    }
  });

  test('two refresh cookies of two users: no silent refresh for either, and both sessions still refresh on their own', async ({ playwright, baseURL, request }) => {
    const a = await registeredUser(playwright, baseURL, 'dupr-a');
    const b = await registeredUser(playwright, baseURL, 'dupr-b');
    const cookie = `refresh_token=${a.refresh}; refresh_token=${b.refresh}`;
    const pageResponse = await request.get('/dashboard', { headers: { cookie }, maxRedirects: 0 });
    expect(pageResponse.status()).toBe(303);
    const api = await request.get('/api/auth/me', { headers: { cookie } });
    expect(api.status()).toBe(401);
    const refreshed = await request.post('/api/auth/refresh', { headers: { cookie } });
    expect(refreshed.status()).toBe(401);
    expect(await refreshed.json()).toMatchObject({ error: { code: 'invalid_refresh_token' } });
    for (const token of [a.refresh, b.refresh]) {
      expect((await request.post('/api/auth/refresh', { headers: { cookie: `refresh_token=${token}` } })).status()).toBe(200);
    }
  });
});

test.describe('signing in again', () => {
  test('signing in again in the same browser ends the previous session: the account page lists only this one', async ({ page, request }) => {
    const email = uniqueEmail('again');
    await registerViaApi(page.request, email);
    const before = await authCookies(page.context());
    // The browser still carries the first session's cookies when it signs in again.
    const response = await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
    expect(response.status()).toBe(200);
    // The first session's refresh token is dead (asked from another client, so this browser's cookies stay).
    const old = await request.post('/api/auth/refresh', { headers: { cookie: `refresh_token=${before.refresh ?? ''}` } });
    expect(old.status()).toBe(401);
    await page.goto('/account');
    await expect(page).toHaveURL('/account');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
  });
});
