/**
 * Two production servers (server.mjs, i.e. `npm start`, twice) on one database behave as one
 * server (contract "Databases"): both start together on a fresh database and apply its migrations
 * once; a session started on one works on the other; parallel refreshes spread over both get one
 * successor; a sign-out on one is refused at once on the other; per-account limits count across
 * both. The database is PostgreSQL when the suite runs against it (E2E_DATABASE_URL, as `.ci/run`
 * does), else one SQLite file shared by the two processes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, request as playwrightRequest, test, type APIRequestContext, type APIResponse } from '@playwright/test';
import pg from 'pg';
import { inspectDatabase } from '../support/database';
import { freePort, startOwnServer, type OwnServer } from './own-server';
import { PASSWORD, uniqueEmail } from './support';

const ACCOUNT_LIMIT = 3;

/** A database no one has used: a new one on the suite's PostgreSQL server, else a new SQLite file. */
async function freshDatabaseUrl(): Promise<string> {
  const shared = process.env.E2E_DATABASE_URL;
  if (shared && /^postgres(ql)?:/.test(shared)) {
    const name = `e2e_two_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: shared });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(shared);
    url.pathname = `/${name}`;
    return url.toString();
  }
  return `file:${path.join(os.tmpdir(), `e2e-two-${Date.now()}-${randomBytes(3).toString('hex')}.db`)}`;
}

/** How many migrations the chosen database's folder holds (drizzle's journal). */
function migrationCount(databaseUrl: string): number {
  const folder = /^postgres/.test(databaseUrl) ? 'db/postgres/migrations' : 'db/sqlite/migrations';
  const journal = JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

let databaseUrl = '';
let one: OwnServer;
let two: OwnServer;
let api: APIRequestContext;

test.beforeAll(async () => {
  databaseUrl = await freshDatabaseUrl();
  const portOne = await freePort();
  let portTwo = await freePort();
  while (portTwo === portOne) portTwo = await freePort();
  // One deployment: the same secrets, the same database and one public origin (as behind a load balancer).
  const env = {
    DATABASE_URL: databaseUrl,
    ACCESS_TOKEN_SECRET: randomBytes(32).toString('hex'),
    REFRESH_TOKEN_SECRET: randomBytes(32).toString('hex'),
    APP_ORIGIN: `http://localhost:${portOne}`,
    BCRYPT_COST: '10',
    RATE_LIMIT_PER_ACCOUNT: `${ACCOUNT_LIMIT}/15m`,
    RATE_LIMIT_PER_IP: '1000/15m',
  };
  // Started together on the empty database: both apply the migrations at the same moment.
  [one, two] = await Promise.all([
    startOwnServer({ command: 'start', env, port: portOne, readyPath: '/login', timeoutMs: 60_000 }),
    startOwnServer({ command: 'start', env, port: portTwo, readyPath: '/login', timeoutMs: 60_000 }),
  ]);
  api = await playwrightRequest.newContext({ extraHTTPHeaders: { origin: `http://localhost:${portOne}` } });
});

test.afterAll(async () => {
  await api?.dispose();
  await Promise.all([one?.stop(), two?.stop()]);
});

/** The auth cookies a response set, as one Cookie header value. */
function cookiesOf(response: APIResponse): Record<string, string> {
  const found: Record<string, string> = {};
  for (const header of response.headersArray()) {
    if (header.name.toLowerCase() !== 'set-cookie') continue;
    const [pair = ''] = header.value.split(';');
    const eq = pair.indexOf('=');
    found[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return found;
}

const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

/** A request that carries exactly the given cookies (the context's own jar is bypassed). */
const post = (server: OwnServer, pathname: string, cookies: Record<string, string>, data?: unknown) =>
  api.post(`http://127.0.0.1:${server.port}${pathname}`, { headers: { cookie: cookieHeader(cookies) }, data: data ?? {} });
const get = (server: OwnServer, pathname: string, cookies: Record<string, string>) => api.get(`http://127.0.0.1:${server.port}${pathname}`, { headers: { cookie: cookieHeader(cookies) } });

test('both servers started together on an empty database: the migrations were applied once', async () => {
  const inspector = inspectDatabase(databaseUrl);
  try {
    const table = /^postgres/.test(databaseUrl) ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations';
    const rows = await inspector.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    expect(Number(rows[0]?.n)).toBe(migrationCount(databaseUrl));
  } finally {
    await inspector.close();
  }
});

test('a session started on one server works on the other, and refreshes spread over both get one successor', async () => {
  const registered = await post(one, '/api/auth/register', {}, { email: uniqueEmail('two'), password: PASSWORD });
  expect(registered.status()).toBe(201);
  const cookies = cookiesOf(registered);
  expect((await get(two, '/api/auth/me', cookies)).status()).toBe(200);

  const refreshes = await Promise.all(Array.from({ length: 8 }, (_, i) => post(i % 2 === 0 ? one : two, '/api/auth/refresh', cookies)));
  expect(refreshes.map((response) => response.status())).toEqual(Array(8).fill(200));
  const successors = new Set(refreshes.map((response) => cookiesOf(response).refresh_token));
  expect(successors.size).toBe(1);
  const next = { ...cookies, ...cookiesOf(refreshes[0] as APIResponse) };
  expect((await post(two, '/api/auth/refresh', next)).status()).toBe(200);
});

test('a sign-out on one server is refused at once on the other', async () => {
  const registered = await post(two, '/api/auth/register', {}, { email: uniqueEmail('two-out'), password: PASSWORD });
  const cookies = cookiesOf(registered);
  expect((await get(one, '/api/auth/me', cookies)).status()).toBe(200);
  expect((await post(two, '/api/auth/logout', cookies)).status()).toBe(204);
  // The access token has not expired, and server one verified it a moment ago.
  expect((await get(one, '/api/auth/me', cookies)).status()).toBe(401);
  expect((await post(one, '/api/auth/refresh', cookies)).status()).toBe(401);
});

test('per-account limits count across both servers', async () => {
  const email = uniqueEmail('two-limit');
  expect((await post(one, '/api/auth/register', {}, { email, password: PASSWORD })).status()).toBe(201);
  for (let i = 0; i < ACCOUNT_LIMIT; i += 1) {
    expect((await post(i % 2 === 0 ? one : two, '/api/auth/login', {}, { email, password: 'not-the-password-at-all' })).status(), `failure ${i + 1}`).toBe(401);
  }
  for (const server of [one, two]) {
    const limited = await post(server, '/api/auth/login', {}, { email, password: PASSWORD });
    expect(limited.status()).toBe(429);
    expect(Number(limited.headers()['retry-after'])).toBeGreaterThan(0);
  }
});
