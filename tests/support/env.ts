/**
 * Test environments. Config and the database are module-level singletons, so an integration
 * test file sets `process.env` first and only then imports the app (see app.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Two different, random-looking 64-character hex secrets (never placeholders). */
export const ACCESS_SECRET = '3f9c1a7e5b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5';
export const REFRESH_SECRET = 'c5b4a3928170f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9e8c6d4b2e5a7c1f9';

/** A password that passes every rule (length, not common, not the email). */
export const PASSWORD = 'violet-otter-canoe-1987';

/** A fixed, whole-second instant: 2026-01-15T12:00:00.000Z. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A fresh temporary directory holding this test file's SQLite database. */
export function tempDatabasePath(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'auth-test-')), 'app.db');
}

/** The environment every test app starts from; `overrides` may set a value to undefined to unset it. */
export function baseEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    ACCESS_TOKEN_SECRET: ACCESS_SECRET,
    REFRESH_TOKEN_SECRET: REFRESH_SECRET,
    BCRYPT_COST: '4',
    APP_ORIGIN: 'http://localhost:3000',
    COOKIE_SECURE: undefined,
    ACCESS_TOKEN_EXPIRY: undefined,
    ACCESS_TOKEN_SIGNING: undefined,
    ACCESS_TOKEN_PRIVATE_KEYS: undefined,
    REFRESH_TOKEN_EXPIRY: undefined,
    SESSION_MAX_AGE: undefined,
    REFRESH_REUSE_INTERVAL: undefined,
    // Generous limits: the frozen clock never ends a window, and most files are not about throttling.
    RATE_LIMIT_PER_IP: '100000/15m',
    RATE_LIMIT_PER_ACCOUNT: '1000/15m',
    TRUST_PROXY: undefined,
    TRUST_CLIENT_ADDRESS_HEADER: undefined,
    VERCEL: undefined,
    RATE_LIMIT_PER_API_KEY: undefined,
    MTLS_CLIENT_CERT_HEADER: undefined,
    MTLS_CLIENTS: undefined,
    ...overrides,
  };
}

/** Writes an environment into `process.env` (undefined deletes the variable). */
export function applyEnv(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
}
