/**
 * End-to-end tests against a production build (`next build` once, then `next start`), with a fresh
 * SQLite file per run (or, with E2E_DATABASE_URL set, that PostgreSQL database, which must be new
 * and empty) and 6-second access tokens, so silent refresh is exercised for real. Mail goes over
 * real SMTP to the suite's mail sink (tests/e2e/mail-sink.ts, a web server of its own on
 * E2E_PORT + 1000 for SMTP and + 1001 for the specs' HTTP reads; see tests/e2e/ports.ts).
 *
 * This file is loaded by the runner and again by every worker: values that must agree across them
 * (port, origin) are plain constants; the secrets and the database path only reach the web server,
 * which the runner alone starts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, defineConfig } from '@playwright/test';
import { E2E_PORT, MAIL_SINK_HTTP, MAIL_SINK_HTTP_PORT, MAIL_SINK_SMTP_PORT, OIDC_ISSUER, OIDC_ISSUER_PORT } from './tests/e2e/ports';

const PORT = E2E_PORT;
const ORIGIN = `http://localhost:${PORT}`;
// Its own build folder, so the suite never builds over a running dev server's `.next`.
// (`next build` adds this folder's types to tsconfig.json once; a fixed name keeps that one entry.)
const DIST_DIR = '.next-e2e';
// The suite's OpenID Provider's client secret: random per run, known to the provider and the app.
const OIDC_CLIENT_SECRET = process.env.E2E_OIDC_CLIENT_SECRET ?? randomBytes(24).toString('hex');
// Workers load this file again: the runner's value reaches them through the environment.
process.env.E2E_OIDC_CLIENT_SECRET = OIDC_CLIENT_SECRET;

/** Debian's Chromium (or CHROMIUM_PATH), else Playwright's own download; stop with one line when neither exists. */
function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  let bundled: string | undefined;
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = undefined;
  }
  if (bundled && existsSync(bundled)) return bundled;
  process.stderr.write('No Chromium found: run `apt-get install -y chromium` (Debian) or `npx playwright install chromium`, or set CHROMIUM_PATH\n');
  process.exit(1);
}

const executablePath = chromiumPath();

/** The server's environment: production mode, random secrets, a database no earlier run touched. */
function serverEnv(): Record<string, string> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return {
    ...inherited,
    NODE_ENV: 'production',
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(PORT),
    // E2E_DATABASE_URL: a fresh PostgreSQL database (.ci/run creates one); the specs' own servers
    // (tests/e2e/own-server.ts) get new databases of their own on the same server.
    DATABASE_URL: process.env.E2E_DATABASE_URL || `file:${path.join(os.tmpdir(), `e2e-${Date.now()}-${process.pid}.db`)}`,
    ACCESS_TOKEN_SECRET: randomBytes(32).toString('hex'),
    REFRESH_TOKEN_SECRET: randomBytes(32).toString('hex'),
    // Short enough that tests can wait for real expiry (the cookie itself lives ~5 s of it), long
    // enough that a loaded two-core machine still reads a just-issued cookie before it expires.
    ACCESS_TOKEN_EXPIRY: '6s',
    COOKIE_SECURE: 'false',
    APP_ORIGIN: ORIGIN,
    // Below the production default of 12 for speed (about 4x less CPU per sign-in on two shared
    // cores); production accepts 4 to 15 and prints one warning line below 12, which
    // tests/e2e/production-start.spec.ts checks.
    BCRYPT_COST: '10',
    // Every browser here comes from one address (127.0.0.1); the suite signs in a few dozen times.
    RATE_LIMIT_PER_IP: '1000/15m',
    // Real SMTP to the suite's mail sink (the first web server below); specs read it over HTTP.
    SMTP_URL: `smtp://127.0.0.1:${MAIL_SINK_SMTP_PORT}`,
    MAIL_FROM: 'Token Auth E2E <no-reply@localhost>',
    // One OpenID Connect provider, the suite's own (tests/e2e/oidc-issuer-server.ts).
    OIDC_SSO_ISSUER: OIDC_ISSUER,
    OIDC_SSO_CLIENT_ID: 'e2e-app',
    OIDC_SSO_CLIENT_SECRET: OIDC_CLIENT_SECRET,
    OIDC_SSO_NAME: 'Company SSO',
    // The example native app (examples/native-app), driven by tests/e2e/native-app.spec.ts.
    NATIVE_CLIENTS: JSON.stringify([{ clientId: 'com.example.native-app', redirectUris: ['http://127.0.0.1/callback'] }]),
  };
}

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  projects: [
    { name: 'production', testIgnore: '**/dev-origin.spec.ts' },
    // `next dev` compiles on demand and takes both cores for a while: run it after the rest, so the
    // short-lived tokens of the production tests never wait behind its compiler.
    { name: 'next-dev', testMatch: '**/dev-origin.spec.ts', dependencies: ['production'] },
  ],
  outputDir: 'test-results',
  // Two cores, two workers. The longest files run their tests in parallel (test.describe.configure),
  // so a file full of waits for 6-second tokens to expire does not end the run alone: 8.4 min for
  // the whole suite here. Three workers measured 7.9 min here but 9.0 in CI, and the extra load
  // made a timing-sensitive test (TOTP steps) flake there, so two it stays.
  workers: 2,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: ORIGIN,
    browserName: 'chromium',
    headless: true,
    // Same viewport, scale, locale and time zone every run: screenshots and formatted times stay stable.
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
    colorScheme: 'light',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: [
    {
      // The mail sink: SMTP for the app, HTTP for the specs (tests/e2e/mail-sink.ts).
      command: `exec node --import tsx tests/e2e/mail-sink.ts ${MAIL_SINK_SMTP_PORT} ${MAIL_SINK_HTTP_PORT}`,
      url: `${MAIL_SINK_HTTP}/`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The OpenID Provider (oidc-provider) the app signs in with (tests/e2e/oidc-issuer-server.ts).
      command: `exec node --import tsx tests/e2e/oidc-issuer-server.ts ${OIDC_ISSUER_PORT} ${ORIGIN} ${OIDC_CLIENT_SECRET}`,
      url: `${OIDC_ISSUER}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      // Generous: tsx compiles oidc-provider's setup on a busy two-core machine.
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // server.mjs is `npm start`: it serves the NEXT_DIST_DIR build (next.config.js reads it).
      // `exec` so that stopping the server stops it, not only a shell around it.
      command: `node_modules/.bin/next build && exec node server.mjs --port ${PORT}`,
      url: `${ORIGIN}/`,
      env: serverEnv(),
      reuseExistingServer: false,
      timeout: 300_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
  ],
});
