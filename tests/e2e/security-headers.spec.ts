/**
 * Security headers on the production build (issue 4; checklist K47, K48, D21, E26, M52):
 * a per-request CSP nonce that the page's own scripts carry, pages that still work under it,
 * the static headers on pages, API responses and build assets, and logout's Clear-Site-Data.
 */
import { expect, test, type APIResponse, type Page } from '@playwright/test';
import { PASSWORD, authCookies, registerViaApi, submitLogin, uniqueEmail } from './support';

/** A CSP header split into directives (name → tokens). */
function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...tokens] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), tokens);
  }
  return directives;
}

/** The script nonce of a CSP header, after checking the policy's required directives (K47). */
function expectStrictCsp(header: string | undefined, where: string): string {
  expect(header, `${where}: Content-Security-Policy`).toBeTruthy();
  const csp = parseCsp(header ?? '');
  const scriptSrc = csp.get('script-src') ?? csp.get('default-src') ?? [];
  const nonces = scriptSrc.filter((token) => /^'nonce-[A-Za-z0-9+/_-]+={0,2}'$/.test(token));
  expect(nonces, `${where}: exactly one script nonce in ${header}`).toHaveLength(1);
  expect(scriptSrc, `${where}: script-src`).not.toContain("'unsafe-inline'");
  // Production needs no eval (development adds it for React's tooling).
  expect(scriptSrc, `${where}: script-src`).not.toContain("'unsafe-eval'");
  expect(scriptSrc, `${where}: script-src`).not.toContain('*');
  expect(csp.get('object-src'), `${where}: object-src`).toEqual(["'none'"]);
  expect(csp.get('base-uri'), `${where}: base-uri`).toEqual(["'none'"]);
  expect(csp.get('frame-ancestors'), `${where}: frame-ancestors`).toEqual(["'none'"]);
  const nonce = (nonces[0] ?? '').slice("'nonce-".length, -1);
  // At least 128 bits of randomness (22+ base64 characters).
  expect(nonce.replace(/=+$/, '').length, `${where}: nonce length`).toBeGreaterThanOrEqual(22);
  return nonce;
}

/** Every `<script>` start tag in an HTML document. */
function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/gi) ?? [];
}

const PAGES = ['/', '/login', '/register'];

test.describe('Content-Security-Policy (K47)', () => {
  for (const path of PAGES) {
    test(`${path}: a strict CSP with a fresh nonce per request, carried by every script`, async ({ request }) => {
      const nonces: string[] = [];
      for (let load = 0; load < 2; load++) {
        const response = await request.get(path, { maxRedirects: 0 });
        expect(response.status()).toBe(200);
        expect(response.headers()['content-type']).toMatch(/^text\/html/);
        const nonce = expectStrictCsp(response.headers()['content-security-policy'], `GET ${path} #${load + 1}`);
        nonces.push(nonce);
        const html = await response.text();
        // The nonce must never be cached into the page: no static prerender.
        expect(response.headers()['cache-control'] ?? '').not.toMatch(/s-maxage|public/);
        const tags = scriptTags(html);
        expect(tags.length, 'the page has scripts to check').toBeGreaterThan(0);
        for (const tag of tags) expect(tag, `every script carries this response's nonce`).toContain(`nonce="${nonce}"`);
      }
      expect(nonces[0]).not.toBe(nonces[1]);
    });
  }

  test('the 404 page and a signed-in page are HTML with the same strict CSP', async ({ page, request }) => {
    const missing = await request.get('/no-such-page-here', { maxRedirects: 0 });
    expect(missing.status()).toBe(404);
    expectStrictCsp(missing.headers()['content-security-policy'], 'GET /no-such-page-here');

    await registerViaApi(page.request, uniqueEmail('csp-signedin'));
    const dashboard = await page.goto('/dashboard');
    expect(dashboard?.status()).toBe(200);
    expectStrictCsp(await dashboard?.headerValue('content-security-policy') ?? undefined, 'GET /dashboard (signed in)');
  });

  test('pages work in the browser under the CSP: no violation while loading /, /login, /register and signing in', async ({ page, request }) => {
    const email = uniqueEmail('csp-browser');
    await registerViaApi(request, email);
    const problems = watchForCspProblems(page);

    for (const path of PAGES) {
      const response = await page.goto(path);
      expect(response?.status()).toBe(200);
      const nonce = expectStrictCsp((await response?.headerValue('content-security-policy')) ?? undefined, `browser ${path}`);
      await page.waitForLoadState('networkidle');
      // The scripts the browser actually has carry the nonce (the attribute is hidden from the DOM,
      // the property is not).
      const scriptNonces = await page.evaluate(() => Array.from(document.scripts, (script) => script.nonce));
      expect(scriptNonces.length).toBeGreaterThan(0);
      for (const scriptNonce of scriptNonces) expect(scriptNonce).toBe(nonce);
    }

    // Signing in needs the client-side scripts: landing on the dashboard proves they ran.
    await page.goto('/login');
    await submitLogin(page, email);
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByText(email, { exact: true }).first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
  });
});

/** Collects CSP violations (console reports and `securitypolicyviolation` events) and page errors. */
function watchForCspProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame|evaluate)/i.test(text)) problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  return problems;
}

test.describe('static security headers (K48)', () => {
  function expectStaticHeaders(response: APIResponse, where: string): void {
    const headers = response.headers();
    expect(headers['x-content-type-options'], `${where}: X-Content-Type-Options`).toBe('nosniff');
    expect(headers['referrer-policy'], `${where}: Referrer-Policy`).toBe('strict-origin-when-cross-origin');
    expect(headers['permissions-policy'] ?? '', `${where}: Permissions-Policy`).toMatch(/\w+=\(\)/);
    const hsts = headers['strict-transport-security'] ?? '';
    expect(hsts, `${where}: Strict-Transport-Security (production build)`).toMatch(/max-age=\d+/);
    expect(Number(/max-age=(\d+)/.exec(hsts)?.[1]), `${where}: HSTS max-age of at least a year`).toBeGreaterThanOrEqual(31_536_000);
    expect(headers['x-powered-by'], `${where}: X-Powered-By`).toBeUndefined();
    expect(response.status(), where).toBeLessThan(500);
  }

  test('on pages, redirects, API responses (success and error) and a build asset', async ({ request }) => {
    const home = await request.get('/');
    const html = await home.text();
    const asset = /\/_next\/static\/[^"'\s]+\.js/.exec(html)?.[0];
    expect(asset, 'a build script referenced by the page').toBeTruthy();
    const email = uniqueEmail('headers');

    const responses: Array<[string, APIResponse]> = [
      ['GET /', home],
      ['GET /login', await request.get('/login')],
      ['GET /register', await request.get('/register')],
      ['GET /dashboard (signed out, redirect)', await request.get('/dashboard', { maxRedirects: 0 })],
      ['GET /no-such-page (404)', await request.get('/no-such-page')],
      ['GET /api/auth/me (401)', await request.get('/api/auth/me')],
      ['GET /api/auth/login (405)', await request.get('/api/auth/login')],
      ['POST /api/auth/login (400)', await request.post('/api/auth/login', { data: {} })],
      ['POST /api/auth/login (415)', await request.post('/api/auth/login', { headers: { 'content-type': 'text/plain' }, data: 'x' })],
      ['POST /api/auth/register (201)', await request.post('/api/auth/register', { data: { email, password: PASSWORD } })],
      ['GET /api/auth/me (200)', await request.get('/api/auth/me')],
      ['POST /api/auth/logout (204)', await request.post('/api/auth/logout')],
      [`GET ${asset ?? ''} (static asset)`, await request.get(asset ?? '/')],
    ];
    const favicon = await request.get('/favicon.ico');
    if (favicon.status() === 200) responses.push(['GET /favicon.ico', favicon]);
    for (const [where, response] of responses) expectStaticHeaders(response, where);

    // The asset really is one (so its headers count), served with the right type.
    const assetResponse = responses.find(([where]) => where.endsWith('(static asset)'))?.[1] ?? home;
    expect(assetResponse.status()).toBe(200);
    expect(assetResponse.headers()['content-type']).toMatch(/javascript/);
    // Auth API responses are never cached (K49), and, outside the middleware, carry the static
    // API policy from next.config.js: nothing may load, run or frame them.
    for (const [where, response] of responses) {
      if (!where.includes('/api/auth/')) continue;
      expect(response.headers()['cache-control'], where).toBe('no-store');
      expect(response.headers()['content-security-policy'], `${where}: CSP`).toMatch(/^default-src 'none'; frame-ancestors 'none'/);
    }
  });
});

test.describe('logout (D21)', () => {
  test('answers 204 with Clear-Site-Data: "cookies" and clears both cookies when signed in; signed out, 204 clearing nothing', async ({ playwright, baseURL }) => {
    const context = await playwright.request.newContext({ baseURL });
    try {
      await registerViaApi(context, uniqueEmail('clearsite'));
      const signedIn = await context.post('/api/auth/logout');
      expect(signedIn.status()).toBe(204);
      expect(signedIn.headers()['clear-site-data']).toBe('"cookies"');
      expect(signedIn.headers()['cache-control']).toBe('no-store');
      const cleared = signedIn.headersArray().filter((header) => header.name.toLowerCase() === 'set-cookie').map((header) => header.value);
      for (const name of ['access_token', 'refresh_token']) {
        const line = cleared.find((value) => value.startsWith(`${name}=`));
        expect(line, `${name} cleared`).toMatch(new RegExp(`^${name}=;`));
        expect(line).toMatch(/Max-Age=0/i);
        expect(line).toMatch(/Path=\//);
        expect(line).toMatch(/HttpOnly/i);
      }
      expect((await context.get('/api/auth/me')).status()).toBe(401);

      // The cookies are gone, so the second request carries none: a response clears only the auth
      // cookies its request carried (contract "Cookies"), and Clear-Site-Data follows that rule.
      const again = await context.post('/api/auth/logout');
      expect(again.status()).toBe(204);
      expect(again.headers()['clear-site-data']).toBeUndefined();
      expect(again.headersArray().filter((header) => header.name.toLowerCase() === 'set-cookie')).toEqual([]);
    } finally {
      await context.dispose();
    }
  });

  test('the Sign out button in the browser leaves no auth cookie behind', async ({ page }) => {
    await registerViaApi(page.request, uniqueEmail('clearsite-ui'));
    await page.goto('/dashboard');
    const logout = page.waitForResponse((response) => response.url().endsWith('/api/auth/logout') && response.request().method() === 'POST');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    const response = await logout;
    expect(response.status()).toBe(204);
    expect(await response.headerValue('clear-site-data')).toBe('"cookies"');
    await expect(page).toHaveURL('/login');
    expect(await authCookies(page.context())).toEqual({ access: undefined, refresh: undefined });
  });
});
