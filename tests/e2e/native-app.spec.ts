/**
 * The example native app (examples/native-app/native-app.mjs) against the production build
 * (contract "Native apps (RFC 8252) and other services"; checklist 68): the script listens on
 * 127.0.0.1 on a port of its choosing and prints the authorization URL; Chromium plays the system
 * browser: it opens the URL, signs in on our pages (the password, or the password and a TOTP
 * code), answers Allow (or Cancel) on /authorize and follows the redirect to the loopback
 * listener. The script exchanges the code, calls /api/auth/me with `Authorization: Bearer`,
 * refreshes once, and reports each step as a JSON line, which the tests read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect, test, type Page } from '@playwright/test';
import { linkIn, waitForMail } from './mail';
import { currentPath, enableTwoFactorViaApi, registerViaApi, submitLogin, uniqueEmail, waitForAccessTokenExpiry } from './support';

// Every test here has users and sessions of its own: spread them over the workers instead of
// running the file's long waits for token expiry one after another (playwright.config.ts).
test.describe.configure({ mode: 'parallel' });

const CLIENT_ID = 'com.example.native-app';

type Line = Record<string, unknown> & { event: string };

/** The example app, started with `--no-open` (the test is its browser); its JSON lines as they come. */
class NativeApp {
  readonly lines: Line[] = [];
  private readonly waiters: (() => void)[] = [];
  private exited = false;
  private readonly child: ChildProcess;

  constructor(server: string, extraArgs: readonly string[] = []) {
    this.child = spawn(process.execPath, ['examples/native-app/native-app.mjs', '--server', server, '--client-id', CLIENT_ID, '--no-open', '--timeout-s', '50', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      this.lines.push(JSON.parse(text) as Line);
      this.notify();
    });
    this.child.on('exit', () => {
      this.exited = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The first line of `event`; fails at once when the app reports an error or exits without it. */
  async next(event: string): Promise<Line> {
    for (;;) {
      const found = this.lines.find((line) => line.event === event);
      if (found) return found;
      const failure = this.lines.find((line) => line.event === 'error');
      if (failure) throw new Error(`the native app failed: ${JSON.stringify(failure)}`);
      if (this.exited) throw new Error(`the native app exited without ${event}: ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves with the exit code. */
  async exit(): Promise<number | null> {
    if (!this.exited) await new Promise((resolve) => this.child.once('exit', resolve));
    return this.child.exitCode;
  }

  stop(): void {
    if (!this.exited) this.child.kill();
  }
}

let app: NativeApp | null = null;

test.afterEach(() => {
  app?.stop();
  app = null;
});

/** Starts the app and opens its authorization URL in the page; returns the app. */
async function startSignIn(page: Page, baseURL: string | undefined, extraArgs: readonly string[] = []): Promise<NativeApp> {
  app = new NativeApp(baseURL ?? '', extraArgs);
  const { url } = await app.next('authorize_url');
  expect(String(url)).toMatch(/\/api\/auth\/authorize\?/);
  await page.goto(String(url));
  return app;
}

/** The consent step: the app's name in the heading, then Allow. */
async function allow(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/authorize\?/);
  await expect(page.getByRole('heading', { level: 1, name: `Allow ${CLIENT_ID} to sign in as you?` })).toBeVisible();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  // The browser lands on the app's loopback listener.
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
  await expect(page.getByText('Signed in. You can close this window and return to the app.')).toBeVisible();
}

/** What the app reports after a good sign-in: tokens, /me as the user, one rotation. */
async function expectSignedIn(native: NativeApp, email: string): Promise<void> {
  expect(await native.next('tokens')).toMatchObject({ token_type: 'Bearer', has_refresh_token: true, expires_in: expect.any(Number) });
  expect(await native.next('me')).toEqual({ event: 'me', status: 200, email });
  expect(await native.next('refreshed')).toEqual({ event: 'refreshed', rotated: true, same_session: true, me_status: 200 });
  await native.next('done');
  expect(await native.exit()).toBe(0);
}

const sessionRows = (page: Page) => page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');

test('signed out: the app opens the browser, the user signs in on our page and allows it; the app gets tokens, /me answers, and the session is on /account', async ({ page, request, baseURL }) => {
  const email = uniqueEmail('native');
  await registerViaApi(request, email);
  const native = await startSignIn(page, baseURL);
  // Not signed in: the ordinary sign-in page, coming back to the request afterwards.
  await expect(page).toHaveURL(/\/login\?next=%2Fauthorize%3F/);
  await submitLogin(page, email);
  await allow(page);
  await expectSignedIn(native, email);

  await page.goto('/account');
  const row = sessionRows(page).filter({ hasText: `${CLIENT_ID} (native app)` });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Signed in withPassword');
  await expect(row.getByRole('button', { name: 'Revoke' })).toBeVisible();
});

test('a two-factor account: password, then the authenticator code, then Allow', async ({ page, baseURL }) => {
  const email = uniqueEmail('native-2fa');
  await registerViaApi(page.request, email);
  const codeAt = await enableTwoFactorViaApi(page.request);
  await page.context().clearCookies();

  const native = await startSignIn(page, baseURL);
  await submitLogin(page, email);
  await page.getByLabel('Code', { exact: true }).fill(await codeAt(30));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await allow(page);
  await expectSignedIn(native, email);

  await page.goto('/account');
  await expect(sessionRows(page).filter({ hasText: `${CLIENT_ID} (native app)` })).toContainText('Password and authenticator code');
});

test('signed out, signing in by email link: the link comes back to the consent step, then Allow', async ({ page, request, baseURL }) => {
  const email = uniqueEmail('native-link');
  await registerViaApi(request, email);
  const native = await startSignIn(page, baseURL);
  await expect(page).toHaveURL(/\/login\?next=%2Fauthorize%3F/);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'sign-in link' })).toContainText('Check your inbox');
  await page.goto(linkIn(await waitForMail(request, email, 'Your sign-in link'), '/magic-link'));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await allow(page);
  await expectSignedIn(native, email);

  await page.goto('/account');
  await expect(sessionRows(page).filter({ hasText: `${CLIENT_ID} (native app)` })).toContainText('Email link');
});

test('already signed in: the consent step still asks, and Cancel sends access_denied to the app', async ({ page, baseURL }) => {
  await registerViaApi(page.request, uniqueEmail('native-cancel'));
  const native = await startSignIn(page, baseURL);
  await expect(page).toHaveURL(/\/authorize\?/);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByText('Sign-in was not completed.')).toBeVisible();
  expect(await native.next('error')).toMatchObject({ message: 'the sign-in was refused', error: 'access_denied' });
  expect(native.lines.some((line) => line.event === 'tokens')).toBe(false);
  expect(await native.exit()).toBe(1);
});

test('the consent page left open past the access token lifetime: Allow refreshes once and still signs the app in', async ({ page, baseURL }) => {
  const email = uniqueEmail('native-late');
  await registerViaApi(page.request, email);
  const native = await startSignIn(page, baseURL);
  await expect(page.getByRole('heading', { level: 1, name: `Allow ${CLIENT_ID} to sign in as you?` })).toBeVisible();
  await waitForAccessTokenExpiry(page);
  const refreshes: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/auth/refresh') refreshes.push(request.method());
  });
  await allow(page);
  expect(refreshes).toEqual(['POST']);
  await expectSignedIn(native, email);
});

test('the consent page after the session ended: Allow sends the user to sign in and back to the same request', async ({ page, baseURL }) => {
  await registerViaApi(page.request, uniqueEmail('native-gone'));
  const native = await startSignIn(page, baseURL);
  await expect(page.getByRole('heading', { level: 1, name: `Allow ${CLIENT_ID} to sign in as you?` })).toBeVisible();
  const consentPath = currentPath(page);
  await page.context().clearCookies();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fauthorize%3F/);
  expect(new URL(page.url()).searchParams.get('next')).toBe(consentPath);
  expect(native.lines.some((line) => line.event === 'tokens')).toBe(false);
});

test('DPoP mode (--dpop): the tokens are bound to the app\'s key; the API takes them with fresh proofs, a copy sent as Bearer is refused, and refreshes stay bound', async ({ page, request, baseURL }) => {
  const email = uniqueEmail('native-dpop');
  await registerViaApi(request, email);
  const native = await startSignIn(page, baseURL, ['--dpop']);
  await submitLogin(page, email);
  await allow(page);
  expect(await native.next('tokens')).toMatchObject({ token_type: 'DPoP', bound_to_our_key: true, has_refresh_token: true });
  expect(await native.next('me')).toEqual({ event: 'me', status: 200, email });
  expect(await native.next('copied_token')).toEqual({ event: 'copied_token', status: 401, error: 'unauthenticated' });
  // The refresh carried a proof by the same key (else invalid_grant), and /me took the new token with one.
  expect(await native.next('refreshed')).toEqual({ event: 'refreshed', rotated: true, same_session: true, me_status: 200 });
  await native.next('done');
  expect(await native.exit()).toBe(0);
});
