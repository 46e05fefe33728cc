/**
 * Database unavailable (checklist M54): when the SQLite file cannot be opened, or the database
 * fails in the middle of a request, every auth route answers a generic 5xx in the contract's
 * error shape (503 `service_unavailable` or 500 `internal_error`), with no stack, SQL or path in
 * the body or the log, and never a cookie: no token is issued, and none is cleared.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenKeys, signAccessToken } from '@/lib/auth/access-token';
import { parseConfig, readEnv } from '@/lib/config';
import type { RouteName } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { applyEnv, baseEnv, T0, tempDatabasePath } from '../support/env';
import { CookieJar, expectError, jwtPayload, type RequestOptions } from '../support/http';
import { captureConsole, expectNoCookies, GOOD_PASSWORD, loadAppInstance, writeDatabase, type AppInstance, type LogCapture } from '../support/security';

const CODES: Record<number, string> = { 500: 'internal_error', 503: 'service_unavailable' };

let logs: LogCapture;
let scratch: string;

/** A well-formed refresh token and a validly signed access token for a session that may not exist. */
async function tokens(): Promise<{ access: string; refresh: string }> {
  const keys = await accessTokenKeys(parseConfig(readEnv()));
  const { token } = await signAccessToken({ userId: 'user-1', sessionId: 'S'.repeat(22) }, keys, Date.now());
  return { access: token, refresh: `${'S'.repeat(22)}.0.${'A'.repeat(43)}` };
}

/** Checks a generic 5xx: contract shape, a 5xx code, nothing internal in the body, no cookies. */
async function expectUnavailable(response: Response, leaks: readonly string[]): Promise<void> {
  expect([500, 503], `status ${response.status}`).toContain(response.status);
  const text = await response.clone().text();
  await expectError(response, response.status, CODES[response.status] ?? '');
  for (const leak of leaks) expect(text).not.toContain(leak);
  expect(text).not.toMatch(/E(NOTDIR|EXIST|ACCES|NOENT)|SqliteError|CANTOPEN|unable to open|simulated/i);
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

beforeAll(() => {
  freezeClock(T0);
  logs = captureConsole();
  scratch = mkdtempSync(path.join(tmpdir(), 'auth-unavailable-'));
});

afterAll(() => {
  restoreClock();
});

describe('the database cannot be opened', () => {
  const scenarios: Record<string, () => string> = {
    'its parent is a regular file': () => {
      const file = path.join(scratch, 'not-a-directory');
      writeFileSync(file, 'x');
      return path.join(file, 'app.db');
    },
    'its path is a directory': () => {
      const dir = path.join(scratch, 'a-directory.db');
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };

  for (const [label, makePath] of Object.entries(scenarios)) {
    it(`${label}: every route answers a generic 5xx without cookies`, async () => {
      const dbPath = makePath();
      applyEnv(baseEnv({ DATABASE_URL: `file:${dbPath}` }));
      const instance = await loadAppInstance();
      const before = logs.lines().length;
      for (const [route, response] of await everyRoute(instance)) {
        await expectUnavailable(response, [dbPath, scratch]).catch((error: unknown) => {
          throw new Error(`${route}: ${String(error)}`);
        });
      }
      // What is logged names the kind of failure, never the path or the library's message.
      const lines = logs.lines().slice(before);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).not.toContain(scratch);
    });
  }
});

describe('the database fails during a request', () => {
  let instance: AppInstance;
  let dbPath: string;
  let jar: CookieJar;

  beforeAll(async () => {
    dbPath = tempDatabasePath();
    applyEnv(baseEnv({ DATABASE_URL: `file:${dbPath}` }));
    instance = await loadAppInstance();
    const registered = await instance.send('register', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD } });
    expect(registered.status).toBe(201);
    jar = new CookieJar().apply(registered);
  });

  it('sign-in: the password was right but the session cannot be stored → 5xx, no cookies', async () => {
    writeDatabase(dbPath, (db) => db.exec("CREATE TRIGGER fail_insert BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"));
    try {
      await expectUnavailable(await instance.send('login', 'POST', { json: { email: 'user@example.com', password: GOOD_PASSWORD } }), [dbPath]);
      await expectUnavailable(await instance.send('register', 'POST', { json: { email: 'another@example.com', password: GOOD_PASSWORD } }), [dbPath]);
    } finally {
      writeDatabase(dbPath, (db) => db.exec('DROP TRIGGER fail_insert'));
    }
  });

  it('refresh: the rotation cannot be stored → 5xx, no cookies, and the refresh token still works afterwards', async () => {
    const sessionId = String(jwtPayload(jar.get('access_token') ?? '').sid);
    writeDatabase(dbPath, (db) => db.exec("CREATE TRIGGER fail_update BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"));
    try {
      await expectUnavailable(await instance.send('refresh', 'POST', { cookies: jar }), [dbPath, sessionId]);
    } finally {
      writeDatabase(dbPath, (db) => db.exec('DROP TRIGGER fail_update'));
    }
    expect((await instance.send('refresh', 'POST', { cookies: jar })).status).toBe(200);
  });

  it('the connection is gone: every route answers a generic 5xx without cookies', async () => {
    const db: unknown = Reflect.get(globalThis, '__authDb');
    expect(db).toBeDefined();
    (db as { $client: { close(): void } }).$client.close();
    for (const [route, response] of await everyRoute(instance)) {
      await expectUnavailable(response, [dbPath]).catch((error: unknown) => {
        throw new Error(`${route}: ${String(error)}`);
      });
    }
  });
});
