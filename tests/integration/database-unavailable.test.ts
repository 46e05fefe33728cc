/**
 * Database unavailable (contract "Databases"; checklist M54): when the database cannot be reached,
 * or fails in the middle of a request, every auth route answers 503 `service_unavailable` with
 * Retry-After, in the contract's error shape, with no stack, SQL, path or host in the body or the
 * log, and never a cookie: no token is issued, and none is cleared. When the database is back, the
 * same server works again by itself.
 *
 * Real failures where they can be made: a SQLite file that cannot be opened, a PostgreSQL server
 * that stops answering (a TCP relay in front of the real server, closed and reopened). Failures in
 * the middle of one operation come from a failing Store: the real one with one method throwing
 * StoreUnavailableError, installed with `useStore` as a custom adapter would be.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError, type Store } from '@/db/store';
import { accessTokenKeys } from '@/lib/auth/access-token';
import { signAccessToken } from '@/lib/auth/sign-access-token';
import { parseConfig, readEnv } from '@/lib/config';
import type { RouteName } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { freshDatabaseUrl, testDialect } from '../support/database';
import { applyEnv, baseEnv, T0 } from '../support/env';
import { CookieJar, expectError, jwtPayload, type RequestOptions } from '../support/http';
import { captureConsole, expectNoCookies, GOOD_PASSWORD, loadAppInstance, retryAfterSeconds, type AppInstance, type LogCapture } from '../support/security';

let logs: LogCapture;
let scratch: string;

/** A well-formed refresh token and a validly signed access token for a session that may not exist. */
async function tokens(): Promise<{ access: string; refresh: string }> {
  const keys = await accessTokenKeys(parseConfig(readEnv()));
  const { token } = signAccessToken({ userId: 'user-1', sessionId: 'S'.repeat(22) }, keys, Date.now());
  return { access: token, refresh: `${'S'.repeat(22)}.0.${'A'.repeat(43)}` };
}

/** Checks the contract's 503: shape, Retry-After, nothing internal in the body, no cookies. */
async function expectUnavailable(response: Response, leaks: readonly string[]): Promise<void> {
  const text = await response.clone().text();
  await expectError(response, 503, 'service_unavailable');
  retryAfterSeconds(response);
  for (const leak of leaks) expect(text).not.toContain(leak);
  expect(text).not.toMatch(/E(NOTDIR|EXIST|ACCES|NOENT|CONNREFUSED)|SqliteError|CANTOPEN|unable to open|simulated|postgres|5432/i);
  expectNoCookies(response);
}

/** The requests a browser or client would make, each one that would otherwise succeed or set cookies. */
async function everyRoute(instance: AppInstance): Promise<[RouteName, Response][]> {
  const { access, refresh } = await tokens();
  const cookies = { access_token: access, refresh_token: refresh };
  const requests: [RouteName, 'GET' | 'POST', RequestOptions][] = [
    ['register', 'POST', { json: { email: 'new@example.com', password: GOOD_PASSWORD } }],
    ['login', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD } }],
    ['refresh', 'POST', { cookies }],
    ['me', 'GET', { cookies }],
    ['me', 'GET', { bearer: access }],
    ['logout', 'POST', { cookies }],
  ];
  const responses: [RouteName, Response][] = [];
  for (const [route, method, options] of requests) responses.push([route, await instance.send(route, method, options)]);
  return responses;
}

async function expectEveryRouteUnavailable(instance: AppInstance, leaks: readonly string[]): Promise<void> {
  for (const [route, response] of await everyRoute(instance)) {
    await expectUnavailable(response, leaks).catch((error: unknown) => {
      throw new Error(`${route}: ${String(error)}`);
    });
  }
}

/** What is logged names the kind of failure, never the path, host or the library's message. */
function expectQuietLogs(from: number, leaks: readonly string[]): void {
  const lines = logs.lines().slice(from);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.some((line) => line.includes('database_unavailable'))).toBe(true);
  for (const line of lines) for (const leak of leaks) expect(line).not.toContain(leak);
}

beforeAll(() => {
  freezeClock(T0);
  logs = captureConsole();
  scratch = mkdtempSync(path.join(tmpdir(), 'auth-unavailable-'));
});

afterAll(() => {
  restoreClock();
});

// Each database has its own way to be unreachable; a file registers the one of the database it runs on.
if (testDialect() === 'sqlite') describe('the SQLite file cannot be opened', () => {
  it('its parent is a regular file: every route answers 503; once the path is fixed, the same server works', async () => {
    const parent = path.join(scratch, 'not-a-directory');
    writeFileSync(parent, 'x');
    const dbPath = path.join(parent, 'app.db');
    applyEnv(baseEnv({ DATABASE_URL: `file:${dbPath}` }));
    const instance = await loadAppInstance();
    const before = logs.lines().length;
    await expectEveryRouteUnavailable(instance, [dbPath, scratch]);
    expectQuietLogs(before, [scratch]);

    // The cause goes away: no restart needed.
    rmSync(parent);
    mkdirSync(parent);
    expect((await instance.send('register', 'POST', { json: { email: 'back@example.com', password: GOOD_PASSWORD } })).status).toBe(201);
  });

  it('its path is a directory: every route answers 503', async () => {
    const dir = path.join(scratch, 'a-directory.db');
    mkdirSync(dir, { recursive: true });
    applyEnv(baseEnv({ DATABASE_URL: `file:${dir}` }));
    await expectEveryRouteUnavailable(await loadAppInstance(), [dir, scratch]);
  });
});

/** A TCP relay to the real PostgreSQL server that can be stopped (connections refused) and started again on the same port. */
class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

if (testDialect() === 'postgres') describe('the PostgreSQL server stops answering', () => {
  it('every route answers 503 while it is down; when it is back, the same server works', async () => {
    const real = new URL(await freshDatabaseUrl('postgres'));
    const relay = new Relay({ host: real.hostname, port: Number(real.port || 5432) });
    await relay.start();
    const relayed = new URL(real);
    relayed.port = String(relay.port);
    applyEnv(baseEnv({ DATABASE_URL: relayed.toString() }));
    const instance = await loadAppInstance();
    const registered = await instance.send('register', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD } });
    expect(registered.status).toBe(201);
    const jar = new CookieJar().apply(registered);

    await relay.stop();
    const before = logs.lines().length;
    await expectEveryRouteUnavailable(instance, [real.hostname === '127.0.0.1' ? String(relay.port) : real.hostname, real.password].filter(Boolean));
    expect((await instance.send('refresh', 'POST', { cookies: jar })).status).toBe(503);
    expectQuietLogs(before, [String(relay.port), real.password].filter(Boolean));

    await relay.start();
    expect((await instance.send('me', 'GET', { cookies: jar })).status).toBe(200);
    expect((await instance.send('refresh', 'POST', { cookies: jar })).status).toBe(200);
    await relay.stop();
  });
});

describe('the database fails in the middle of an operation', () => {
  let instance: AppInstance;
  let jar: CookieJar;
  let real: Store;
  let useStore: (store: Store | null) => void;
  /** Methods of the Store that fail from now on. */
  const failing = new Set<keyof Store>();

  beforeAll(async () => {
    applyEnv(baseEnv({ DATABASE_URL: await freshDatabaseUrl() }));
    instance = await loadAppInstance();
    const db = await import('@/db/index');
    useStore = db.useStore;
    real = await db.getStore(parseConfig(readEnv()).database);
    const proxy = new Proxy(real, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || !failing.has(property as keyof Store)) return value;
        return async () => {
          throw new StoreUnavailableError('busy', { cause: new Error('simulated failure') });
        };
      },
    });
    useStore(proxy);
    const registered = await instance.send('register', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD } });
    expect(registered.status).toBe(201);
    jar = new CookieJar().apply(registered);
  });

  afterAll(() => {
    useStore(null);
  });

  it('sign-in: the password was right but the session cannot be stored → 503, no cookies', async () => {
    failing.add('insertSession').add('register');
    try {
      await expectUnavailable(await instance.send('login', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD } }), []);
      await expectUnavailable(await instance.send('register', 'POST', { json: { email: 'another@example.com', password: GOOD_PASSWORD } }), []);
    } finally {
      failing.clear();
    }
    expect((await instance.send('login', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD } })).status).toBe(200);
  });

  it('refresh: the rotation cannot be stored → 503, no cookies, and the refresh token still works afterwards', async () => {
    const sessionId = String(jwtPayload(jar.get('access_token') ?? '').sid);
    failing.add('rotateSession');
    try {
      await expectUnavailable(await instance.send('refresh', 'POST', { cookies: jar }), [sessionId]);
    } finally {
      failing.clear();
    }
    expect((await instance.send('refresh', 'POST', { cookies: jar })).status).toBe(200);
  });

  it('the database is unreachable for every call: every route answers 503 without cookies', async () => {
    for (const method of Object.keys(real) as (keyof Store)[]) failing.add(method);
    try {
      await expectEveryRouteUnavailable(instance, []);
    } finally {
      failing.clear();
    }
  });
});
