/** Shared steps for the end-to-end specs. */
import { randomBytes } from 'node:crypto';
import { expect, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { generate } from 'otplib';

export const PASSWORD = 'correct horse battery staple';

/** An email no other test (or earlier attempt) uses. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
}

/**
 * Registers through the API. With `page.request` the browser context is signed in afterwards
 * (it shares the context's cookies); with the standalone `request` fixture it is not.
 */
export async function registerViaApi(request: APIRequestContext, email: string, password = PASSWORD, name?: string): Promise<void> {
  const response = await request.post('/api/auth/register', { data: { email, password, ...(name ? { name } : {}) } });
  expect(response.status(), await response.text()).toBe(201);
}

/** Signs in through the form on /login (the page must already be there). */
export async function submitLogin(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export interface AuthCookies {
  access: string | undefined;
  refresh: string | undefined;
}

/** The context's auth cookie values (undefined once a cookie expired or was cleared). */
export async function authCookies(context: BrowserContext): Promise<AuthCookies> {
  const cookies = await context.cookies();
  return {
    access: cookies.find((cookie) => cookie.name === 'access_token')?.value,
    refresh: cookies.find((cookie) => cookie.name === 'refresh_token')?.value,
  };
}

/** The `exp` claim (seconds) of an access token, read without verifying: the test only needs the time. */
function expiryOf(accessToken: string): number {
  const payload = accessToken.split('.')[1];
  if (!payload) throw new TypeError('not a JWT');
  const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (typeof claims !== 'object' || claims === null || !('exp' in claims) || typeof claims.exp !== 'number') throw new TypeError('JWT without exp');
  return claims.exp;
}

/**
 * Waits until the current access token has really expired (its `exp` has passed), which is the
 * point of the tests that call this; the browser has dropped the shorter-lived cookie by then.
 */
export async function waitForAccessTokenExpiry(page: Page): Promise<void> {
  const { access } = await authCookies(page.context());
  if (access) {
    const remainingMs = expiryOf(access) * 1000 - Date.now();
    if (remainingMs > -500) await page.waitForTimeout(remainingMs + 500);
  }
  // The cookie's own expiry is counted from when the browser stored it, which on a loaded machine
  // can be a moment after the token's `exp`: give it that moment.
  await expect.poll(async () => (await authCookies(page.context())).access, { message: 'the browser still holds an access cookie', timeout: 5_000 }).toBeUndefined();
}

/** Records the path of every request the page makes (navigations, redirects, fetches). */
export function recordRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  return paths;
}

/** The app's path (and query) of the page's current URL. */
export function currentPath(page: Page): string {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}

/**
 * Turns two-factor on for the signed-in `request` context through the API (setup, then enable with
 * the code of the current step); returns the authenticator: the code `offsetS` seconds from now.
 */
export async function enableTwoFactorViaApi(request: APIRequestContext): Promise<(offsetS: number) => Promise<string>> {
  const setup = await request.post('/api/auth/two-factor/setup', { data: {} });
  expect(setup.status()).toBe(200);
  const { setupKey } = (await setup.json()) as { setupKey: string };
  const codeAt = (offsetS: number) => generate({ secret: setupKey, epoch: Math.floor(Date.now() / 1000) + offsetS });
  // The current step's code: acceptable for 30–60 s (one step of drift), so a slow request cannot
  // outlive it; the callers' sign-ins use `codeAt(30)`, a later step, as the replay check requires.
  expect((await request.post('/api/auth/two-factor/enable', { data: { code: await codeAt(0) } })).status()).toBe(200);
  return codeAt;
}
