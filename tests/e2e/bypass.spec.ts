/**
 * Getting past authentication on the production build (issue 4; checklist D22, D23, D24, B11,
 * E26, L51): CVE-2025-29927's `x-middleware-subrequest`, spellings of protected paths and odd
 * methods, garbage cookies, token type confusion, tokens readable by script, and redirects
 * after a POST.
 */
import { connect } from 'node:net';
import { expect, test, type APIRequestContext, type APIResponse, type PlaywrightWorkerArgs } from '@playwright/test';
import { PASSWORD, authCookies, registerViaApi, submitLogin, uniqueEmail } from './support';

/** What only the dashboard of a signed-in user shows. */
const DASHBOARD_MARKERS = [/Signed in as/, />Sign out</, /This session/];

function showsDashboard(body: string): boolean {
  return DASHBOARD_MARKERS.some((marker) => marker.test(body));
}

/** What only /api/auth/me (or another signed-in API) answers. */
function showsUser(body: string): boolean {
  return /"user"\s*:|"sessions"\s*:/.test(body);
}

/** The body as text ('' for HEAD and empty answers). */
async function bodyOf(response: APIResponse): Promise<string> {
  return response.text().catch(() => '');
}

/** Signed out: a protected page redirects to sign in with 303 (never 307/308 from the middleware). */
async function expectRedirectToLogin(response: APIResponse, where: string): Promise<void> {
  expect(response.status(), where).toBe(303);
  const location = new URL(response.headers().location ?? '', 'http://x');
  expect(location.pathname, `${where}: Location`).toBe('/login');
  expect(showsDashboard(await bodyOf(response)), where).toBe(false);
}

async function expectUnauthenticated(response: APIResponse, where: string): Promise<void> {
  expect(response.status(), where).toBe(401);
  const body = await response.text();
  expect(JSON.parse(body), where).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
}

/** Never the protected content, never a server error. */
async function expectNoProtectedContent(response: APIResponse, where: string): Promise<void> {
  const body = await bodyOf(response);
  expect(response.status(), `${where}: ${body.slice(0, 200)}`).toBeLessThan(500);
  expect(showsDashboard(body), `${where}: dashboard content`).toBe(false);
  expect(showsUser(body), `${where}: user data`).toBe(false);
}

/**
 * A GET with raw header bytes, for what HTTP clients refuse to send (UTF-8 and control characters
 * in a Cookie header). Returns the status line's code, the raw head and the raw body.
 */
function rawGet(baseURL: string, path: string, cookie: Buffer): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(Buffer.concat([Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\nCookie: `, 'latin1'), cookie, Buffer.from('\r\n\r\n', 'latin1')]));
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), head: text.slice(0, split), body: text.slice(split + 4) });
    });
  });
}

/** After a redirect, the page it leads to (followed as a browser would) shows no protected content either. */
async function expectRedirectLeadsNowhere(request: APIRequestContext, response: APIResponse, headers: Record<string, string>, where: string): Promise<void> {
  const status = response.status();
  if (status < 300 || status >= 400) return;
  // Next.js answers a redirect for a `/_next/data/…` URL with `x-nextjs-redirect` instead of Location.
  const location = response.headers().location ?? response.headers()['x-nextjs-redirect'];
  expect(location, `${where}: Location`).toBeTruthy();
  const followed = await request.get(new URL(location ?? '', response.url()).toString(), { headers });
  await expectNoProtectedContent(followed, `${where} -> ${followed.url()}`);
}

/** Registers a user in its own request context; returns the cookie values it was given. */
async function registeredTokens(playwright: PlaywrightWorkerArgs['playwright'], baseURL: string | undefined) {
  const context = await playwright.request.newContext({ baseURL });
  await registerViaApi(context, uniqueEmail('bypass'));
  const state = await context.storageState();
  const access = state.cookies.find((cookie) => cookie.name === 'access_token')?.value ?? '';
  const refresh = state.cookies.find((cookie) => cookie.name === 'refresh_token')?.value ?? '';
  expect(access.split('.')).toHaveLength(3);
  expect(refresh).not.toBe('');
  return { context, access, refresh };
}

test.describe('CVE-2025-29927: x-middleware-subrequest does not get past authentication (D22)', () => {
  const values = [
    'middleware',
    'middleware:middleware:middleware:middleware:middleware',
    'middleware:middleware:middleware:middleware:middleware:middleware:middleware',
    'src/middleware:src/middleware:src/middleware:src/middleware:src/middleware',
    'pages/_middleware',
    'pages/dashboard/_middleware',
    'proxy:proxy:proxy:proxy:proxy',
    'src/proxy:src/proxy:src/proxy:src/proxy:src/proxy',
  ];
  for (const value of values) {
    test(`x-middleware-subrequest: ${value}`, async ({ request }) => {
      const headers = { 'x-middleware-subrequest': value };
      await expectRedirectToLogin(await request.get('/dashboard', { headers, maxRedirects: 0 }), 'GET /dashboard');
      await expectRedirectToLogin(await request.get('/account', { headers, maxRedirects: 0 }), 'GET /account');
      await expectUnauthenticated(await request.get('/api/auth/me', { headers }), 'GET /api/auth/me');
      await expectUnauthenticated(await request.get('/api/auth/sessions', { headers }), 'GET /api/auth/sessions');
      // With a garbage access cookie as well: the route handlers judge it themselves.
      const withCookie = { ...headers, cookie: 'access_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.' };
      await expectRedirectToLogin(await request.get('/dashboard', { headers: withCookie, maxRedirects: 0 }), 'GET /dashboard + cookie');
      await expectUnauthenticated(await request.get('/api/auth/me', { headers: withCookie }), 'GET /api/auth/me + cookie');
      // Following the redirect lands on the sign-in form, not the dashboard.
      const followed = await request.get('/dashboard', { headers });
      expect(followed.url()).toMatch(/\/login\?next=%2Fdashboard$/);
      expect(showsDashboard(await followed.text())).toBe(false);
    });
  }
});

test.describe('the matcher cannot be dodged (D23)', () => {
  test('sanity: with a session the dashboard and /api/auth/me show the user (the markers are right)', async ({ page }) => {
    const email = uniqueEmail('matcher-sanity');
    await registerViaApi(page.request, email);
    const dashboard = await page.request.get('/dashboard', { maxRedirects: 0 });
    expect(dashboard.status()).toBe(200);
    expect(showsDashboard(await dashboard.text())).toBe(true);
    const me = await page.request.get('/api/auth/me');
    expect(me.status()).toBe(200);
    expect(showsUser(await me.text())).toBe(true);
  });

  const pagePaths = [
    '/dashboard',
    '/Dashboard',
    '/DASHBOARD',
    '/dashboard/',
    '/dashboard//',
    '/%64ashboard',
    '/%64%61%73%68%62%6f%61%72%64',
    '/%44ashboard',
    '//dashboard',
    '///dashboard',
    '/%2Fdashboard',
    '/dashboard%2F',
    '/dashboard;',
    '/dashboard%3B',
    '/dashboard%00',
    '/dashboard%20',
    '/dashboard.rsc',
    '/dashboard?_rsc=1',
    '/dashboard/index',
    '/account',
    '/Account/',
    '/%61ccount',
    '/_next/data/development/dashboard.json',
    '/_next/data/build/dashboard.json',
    '/_next/static/../../dashboard',
  ];
  for (const path of pagePaths) {
    test(`GET, HEAD, OPTIONS and POST ${path} never show the dashboard without a session`, async ({ request, baseURL }) => {
      // An absolute URL keeps `//dashboard` a path (relative, it would be a host name).
      const url = `${baseURL ?? ''}${path}`;
      for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST']) {
        // RSC: a client-side navigation's request for the page's flight data.
        const variants: Array<Record<string, string>> = [{}, { RSC: '1' }];
        for (const headers of variants) {
          const response = await request.fetch(url, { method, headers, maxRedirects: 0 });
          const where = `${method} ${path} ${JSON.stringify(headers)} -> ${response.status()}`;
          await expectNoProtectedContent(response, where);
          // e.g. /dashboard/ -> 308 /dashboard -> 303 /login
          await expectRedirectLeadsNowhere(request, response, headers, where);
          // The canonical paths are handled by the middleware itself: 303 to sign in.
          if (path === '/dashboard' || path === '/account') await expectRedirectToLogin(response, where);
          // No 2xx at all for a spelling that routing maps to the dashboard (HEAD has no body to check).
          if (method === 'HEAD' && response.status() < 300) expect(path, `${where}: HEAD answered like a served page`).toMatch(/^\/_next\//);
        }
      }
    });
  }

  const apiPaths = ['/api/auth/me', '/api/auth/ME', '/api/auth/me/', '//api/auth/me', '/api/auth/%6De', '/api/auth/%6d%65', '/API/AUTH/ME', '/api/auth//me', '/api/auth/me%2F', '/api/auth/sessions', '/api/auth/Sessions/'];
  for (const path of apiPaths) {
    test(`GET, HEAD, OPTIONS ${path} never answer with the user without a session`, async ({ request, baseURL }) => {
      const url = `${baseURL ?? ''}${path}`;
      for (const method of ['GET', 'HEAD', 'OPTIONS']) {
        const response = await request.fetch(url, { method, maxRedirects: 0 });
        const where = `${method} ${path} -> ${response.status()}`;
        await expectNoProtectedContent(response, where);
        expect(response.status(), where).not.toBe(200);
        if (method === 'GET' && (path === '/api/auth/me' || path === '/api/auth/sessions')) await expectUnauthenticated(response, where);
      }
    });
  }
});

test.describe('garbage, huge and Unicode cookies (D24)', () => {
  const jwtNone = 'eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiIxIiwic2lkIjoiQUFBQUFBQUFBQUFBQUFBQUFBQUFBQSJ9.';
  const cookies: Array<[string, string]> = [
    ['garbage access', 'access_token=garbage'],
    ['garbage refresh', 'refresh_token=garbage'],
    ['both garbage', 'access_token=a.b.c; refresh_token=a.b.c'],
    ['alg none', `access_token=${jwtNone}`],
    ['alg none as refresh', `refresh_token=${jwtNone}`],
    ['refresh-shaped', 'refresh_token=AAAAAAAAAAAAAAAAAAAAAA.0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['4 KB access', `access_token=${'A'.repeat(4096)}`],
    ['8 KB refresh', `refresh_token=${'x'.repeat(8192)}`],
    ['percent-encoded bytes', 'access_token=%00%ff%fe; refresh_token=%ff%fe'],
    ['percent-encoded UTF-8 access cookie', 'access_token=%E2%82%AC'],
    ['quoted', 'access_token="eyJ.eyJ.sig"; refresh_token="x"'],
    ['empty values', 'access_token=; refresh_token='],
    ['no values', 'access_token; refresh_token'],
    ['separators only', ';;;;=;=;'],
    ['many cookies', Array.from({ length: 200 }, (_, i) => `c${i}=${i}`).join('; ')],
    ['duplicate names', 'access_token=x; access_token=y; refresh_token=a; refresh_token=b'],
    ['__Host- names over http', '__Host-access_token=x; __Host-refresh_token=y'],
    ['SQL', "refresh_token=' OR '1'='1; access_token=' UNION SELECT 1 --"],
    ['tabs and DEL-free punctuation', 'access_token=\t!#$&\'()*+-./:<>?@[]^_`{|}~\t; refresh_token=,\\'],
  ];
  for (const [name, cookie] of cookies) {
    test(`${name}: /dashboard redirects to sign in, /api/auth/me answers 401`, async ({ request }) => {
      await expectRedirectToLogin(await request.get('/dashboard', { headers: { cookie }, maxRedirects: 0 }), `GET /dashboard (${name})`);
      await expectUnauthenticated(await request.get('/api/auth/me', { headers: { cookie } }), `GET /api/auth/me (${name})`);
    });
  }

  test('Unicode and control characters as raw bytes on the wire: redirect, 401 or the HTTP parser’s 400, never 500', async ({ baseURL }) => {
    const values: Array<[string, Buffer]> = [
      ...['€☃😀', 'é'.repeat(1000), '\u202eevil', 'ＡＢＣ.ＤＥＦ.ＧＨＩ', '\ufeff'].map((text): [string, Buffer] => [JSON.stringify(text.slice(0, 12)), Buffer.from(text, 'utf8')]),
      ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])],
      ['control characters', Buffer.from([0x01, 0x02, 0x7f, 0x0b, 0x1b])],
      ['NUL', Buffer.from([0x61, 0x00, 0x62])],
    ];
    for (const [name, bytes] of values) {
      for (const cookieName of ['access_token', 'refresh_token']) {
        const cookie = Buffer.concat([Buffer.from(`${cookieName}=`), bytes]);
        const page = await rawGet(baseURL ?? '', '/dashboard', cookie);
        const pageWhere = `GET /dashboard (${cookieName} ${name}) -> ${page.status}`;
        // 400 is Node's HTTP parser refusing bytes no header may hold; the app never saw them.
        expect([303, 400], pageWhere).toContain(page.status);
        if (page.status === 303) expect(page.head, pageWhere).toMatch(/\r\nlocation: \/login\?next=%2Fdashboard\r\n/i);
        expect(showsDashboard(page.body), pageWhere).toBe(false);
        const api = await rawGet(baseURL ?? '', '/api/auth/me', cookie);
        const apiWhere = `GET /api/auth/me (${cookieName} ${name}) -> ${api.status}`;
        expect([400, 401], apiWhere).toContain(api.status);
        expect(showsUser(api.body), apiWhere).toBe(false);
      }
    }
  });

  // Found by this suite: Next.js percent-decodes cookie values, and `%E2%82%AC` decodes to '€', which
  // is not a byte string; the middleware once passed it to `new Headers()` and answered 500.
  test('a percent-encoded UTF-8 refresh cookie: /dashboard redirects to sign in, /api/auth/me answers 401', async ({ request }) => {
    const cookie = 'refresh_token=%E2%82%AC';
    await expectRedirectToLogin(await request.get('/dashboard', { headers: { cookie }, maxRedirects: 0 }), 'GET /dashboard');
    await expectUnauthenticated(await request.get('/api/auth/me', { headers: { cookie } }), 'GET /api/auth/me');
  });

  test('a Cookie header too large for the server is refused with a 4xx, never passed through', async ({ request }) => {
    const cookie = `access_token=${'A'.repeat(20_000)}; refresh_token=${'B'.repeat(20_000)}`;
    for (const path of ['/dashboard', '/api/auth/me']) {
      const response = await request.get(path, { headers: { cookie }, maxRedirects: 0 });
      const status = response.status();
      // Node refuses headers over its limit (431) before the app sees them; otherwise the app decides.
      expect([303, 401, 431], `${path} -> ${status}`).toContain(status);
      await expectNoProtectedContent(response, path);
    }
  });
});

test.describe('token type confusion (B11)', () => {
  test('the refresh token never works as an access token, nor the access JWT as a refresh token', async ({ playwright, request, baseURL }) => {
    const victim = await registeredTokens(playwright, baseURL);
    try {
      // Sanity: the genuine tokens in their own places work (the access token lives 6 s here).
      expect((await request.get('/api/auth/me', { headers: { cookie: `access_token=${victim.access}` } })).status()).toBe(200);

      // The refresh token as an access token: cookie and bearer, API and page.
      await expectUnauthenticated(await request.get('/api/auth/me', { headers: { cookie: `access_token=${victim.refresh}` } }), 'refresh token as access cookie');
      await expectUnauthenticated(await request.get('/api/auth/me', { headers: { authorization: `Bearer ${victim.refresh}` } }), 'refresh token as bearer');
      await expectUnauthenticated(await request.get('/api/auth/sessions', { headers: { cookie: `access_token=${victim.refresh}` } }), 'refresh token as access cookie (sessions)');
      await expectRedirectToLogin(await request.get('/dashboard', { headers: { cookie: `access_token=${victim.refresh}` }, maxRedirects: 0 }), 'refresh token as access cookie (page)');

      // The access JWT as a refresh token: the refresh route and the middleware's silent refresh.
      const refreshed = await request.post('/api/auth/refresh', { headers: { cookie: `refresh_token=${victim.access}` } });
      expect(refreshed.status()).toBe(401);
      expect(await refreshed.json()).toMatchObject({ error: { code: 'invalid_refresh_token' } });
      const issued = refreshed.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie' && !/^[^=]+=;/.test(h.value));
      expect(issued, 'no cookie value issued').toEqual([]);
      await expectRedirectToLogin(await request.get('/dashboard', { headers: { cookie: `refresh_token=${victim.access}` }, maxRedirects: 0 }), 'access JWT as refresh cookie (page)');
      await expectUnauthenticated(await request.get('/api/auth/me', { headers: { cookie: `refresh_token=${victim.access}` } }), 'access JWT as refresh cookie (API)');
      // Both swapped at once.
      await expectRedirectToLogin(
        await request.get('/dashboard', { headers: { cookie: `access_token=${victim.refresh}; refresh_token=${victim.access}` }, maxRedirects: 0 }),
        'both swapped',
      );

      // Nothing above harmed the session: its real refresh token still refreshes.
      const genuine = await request.post('/api/auth/refresh', { headers: { cookie: `refresh_token=${victim.refresh}` } });
      expect(genuine.status()).toBe(200);
    } finally {
      await victim.context.dispose();
    }
  });
});

test.describe('tokens are never readable by script (E26)', () => {
  test('after signing in: not in document.cookie, not in storage, not in the login or refresh JSON', async ({ page, request }) => {
    const email = uniqueEmail('e26');
    await registerViaApi(request, email);
    await page.goto('/login');
    const loginResponse = page.waitForResponse((response) => response.url().endsWith('/api/auth/login') && response.request().method() === 'POST');
    await submitLogin(page, email);
    expect((await loginResponse).status()).toBe(200);
    await expect(page).toHaveURL('/dashboard');
    // The form's response body is gone once the page navigates; sign in again from the page's
    // own script to read what a script would get back.
    const login = await page.evaluate(async ({ email, password }) => {
      const response = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      return { status: response.status, body: await response.text() };
    }, { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const loginBody = login.body;

    const cookies = await page.context().cookies();
    const auth = cookies.filter((cookie) => cookie.name === 'access_token' || cookie.name === 'refresh_token');
    expect(auth.map((cookie) => cookie.name).sort()).toEqual(['access_token', 'refresh_token']);
    for (const cookie of auth) {
      expect(cookie.httpOnly, cookie.name).toBe(true);
      expect(cookie.sameSite, cookie.name).toBe('Lax');
      expect(cookie.path, cookie.name).toBe('/');
      expect(loginBody, `login JSON carries no ${cookie.name}`).not.toContain(cookie.value);
    }
    expect(loginBody).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
    expect(Object.keys(JSON.parse(loginBody) as object).sort()).toEqual(['accessTokenExpiresAt', 'user']);

    const seen = await page.evaluate(() => ({
      cookie: document.cookie,
      local: Object.entries(localStorage),
      session: Object.entries(sessionStorage),
    }));
    for (const cookie of auth) {
      expect(seen.cookie).not.toContain(cookie.value);
      expect(seen.cookie).not.toContain(cookie.name);
    }
    expect(seen.local, 'localStorage').toEqual([]);
    expect(seen.session, 'sessionStorage').toEqual([]);

    // A refresh called from the page: its JSON carries no token either.
    const refresh = await page.evaluate(async () => {
      const response = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
      return { status: response.status, body: await response.text(), cookie: document.cookie };
    });
    expect(refresh.status).toBe(200);
    const after = await authCookies(page.context());
    for (const value of [after.access, after.refresh]) {
      expect(value).toBeTruthy();
      expect(refresh.body).not.toContain(value ?? '');
      expect(refresh.cookie).not.toContain(value ?? '');
    }
    expect(Object.keys(JSON.parse(refresh.body) as object)).toEqual(['accessTokenExpiresAt']);
  });
});

test.describe('redirects after a credential POST are 303 (L51)', () => {
  test('POSTs to protected pages without a session answer 303, never 307/308', async ({ request }) => {
    for (const path of ['/dashboard', '/account', '/dashboard?x=1']) {
      const variants: Array<Record<string, string>> = [{}, { 'content-type': 'application/x-www-form-urlencoded' }, { cookie: 'access_token=garbage; refresh_token=garbage' }];
      for (const headers of variants) {
        const response = await request.post(path, { headers, data: 'email=a%40b.co&password=x', maxRedirects: 0 });
        await expectRedirectToLogin(response, `POST ${path} ${JSON.stringify(headers)}`);
      }
    }
  });

  test('any server redirect answering a POST in the sign-in and register flows is a 303', async ({ page, request }) => {
    const redirects: string[] = [];
    page.on('response', (response) => {
      if (response.request().method() === 'POST' && response.status() >= 300 && response.status() < 400) redirects.push(`${response.status()} ${response.url()}`);
    });
    const email = uniqueEmail('l51');
    await page.goto('/register');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page).toHaveURL('/dashboard');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL('/login');
    await page.goto('/login?next=%2Faccount');
    await submitLogin(page, email);
    await expect(page).toHaveURL('/account');
    for (const line of redirects) expect(line).toMatch(/^303 /);

    // Form posts without JavaScript (as a no-JS browser would send them) to the pages and the API.
    for (const path of ['/login', '/register', '/api/auth/login', '/api/auth/register']) {
      const response = await request.post(path, { form: { email, password: PASSWORD }, maxRedirects: 0 });
      const status = response.status();
      expect(status, `POST ${path}`).toBeLessThan(500);
      if (status >= 300 && status < 400) expect(status, `POST ${path} redirects with`).toBe(303);
    }
  });
});
