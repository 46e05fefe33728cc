/**
 * API keys (contract "Machine clients", checklist 70): created from a signed-in session and shown
 * once, stored only as a MAC, prefixed for secret scanners; `Authorization: Bearer <key>` works on
 * the read-only routes that opt in (GET /api/auth/me, GET /api/auth/sessions) and on nothing that
 * changes the account; a revoked or expired key is refused at once; per-key rate limit; security
 * events; checking a key does the same work whatever part of it is wrong.
 */
import * as nodeCrypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getStore } from '@/db/index';
import { API_KEY_RETENTION_MS, runHousekeeping } from '@/lib/auth/housekeeping';
import { parseConfig, readEnv } from '@/lib/config';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { DAY, MINUTE, T0 } from '../support/env';
import { apiRequest, call, expectError, jwtPayload, type CookieJar, type Handler, type RequestOptions } from '../support/http';

// A pass-through spy on node:crypto (a library, not our code): the timing test counts how many
// HMACs and constant-time comparisons a key check runs, and on what.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof nodeCrypto>();
  return { ...actual, createHmac: vi.fn(actual.createHmac), timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const PASSWORD = 'granite-pelican-harbor-83';
const KEY_FORMAT = /^ntak_[A-Za-z0-9_-]{16}_[A-Za-z0-9_-]{43}$/;

type Module = Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;

/** A dynamic route's module, called as Next.js calls it (with its params). */
const asModule = (module: object): Module => module as Module;

let app: TestApp;
const routes: Record<string, Module> = {};

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_API_KEY: '8/1m' });
  routes.keys = await import('@/app/api/auth/api-keys/route');
  routes.key = asModule(await import('@/app/api/auth/api-keys/[id]/route'));
  routes.sessions = await import('@/app/api/auth/sessions/route');
  routes.session = asModule(await import('@/app/api/auth/sessions/[id]/route'));
  routes.password = await import('@/app/api/auth/password/route');
  routes.account = await import('@/app/api/auth/account/route');
  routes.logout = await import('@/app/api/auth/logout/route');
  routes.me = await import('@/app/api/auth/me/route');
});

afterAll(() => {
  restoreClock();
});

beforeEach(() => {
  // Each test gets a fresh minute: the per-key limit's window never carries over.
  advanceClock(2 * MINUTE);
});

async function send(route: string, method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions = {}, params: Record<string, string> = {}): Promise<Response> {
  const handler = routes[route]?.[method];
  if (!handler) throw new TypeError(`${route} has no ${method}`);
  const response = await handler(apiRequest(method, path, options), { params: Promise.resolve(params) });
  expect(response.headers.get('cache-control')).toBe('no-store');
  return response;
}

async function user(tag: string): Promise<{ jar: CookieJar; id: string; sid: string; email: string }> {
  const email = `${tag}-${Date.now()}@example.com`;
  const { response, jar } = await app.signUp(email, PASSWORD);
  expect(response.status).toBe(201);
  const claims = jwtPayload(jar.get('access_token') ?? '');
  return { jar, id: String(claims.sub), sid: String(claims.sid), email };
}

interface Created {
  key: string;
  apiKey: { id: string; name: string; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; expired: boolean };
}

async function createKey(jar: CookieJar, body: unknown = { name: 'CI deploy' }): Promise<Created> {
  const response = await send('keys', 'POST', '/api/auth/api-keys', { cookies: jar, json: body });
  expect(response.status).toBe(201);
  return (await response.json()) as Created;
}

const meWithKey = (key: string, ip = '192.0.2.10') => send('me', 'GET', '/api/auth/me', { bearer: key, headers: { 'x-real-ip': ip } });

describe('lifecycle', () => {
  it('creates a key shown once, stores only a MAC, authenticates /me and /sessions, then revokes it at once', async () => {
    const owner = await user('life');
    const created = await createKey(owner.jar, { name: '  CI deploy  ', expiresInDays: 90 });
    expect(created.key).toMatch(KEY_FORMAT);
    expect(created.key.startsWith(`ntak_${created.apiKey.id}_`)).toBe(true);
    expect(created.apiKey).toEqual({ id: created.apiKey.id, name: 'CI deploy', createdAt: new Date(Date.now()).toISOString(), expiresAt: new Date(Date.now() + 90 * DAY).toISOString(), expired: false, lastUsedAt: null, lastUsedIp: null });

    // Shown once: the list never carries the key or its MAC.
    const listed = await send('keys', 'GET', '/api/auth/api-keys', { cookies: owner.jar });
    const listText = await listed.text();
    expect(listText).not.toContain(created.key.slice(22));
    expect(listText).not.toMatch(/mac/i);
    expect((JSON.parse(listText) as { apiKeys: { id: string }[] }).apiKeys.map((key) => key.id)).toEqual([created.apiKey.id]);

    // Stored: the public id and a MAC; the secret nowhere in the row.
    const secret = created.key.slice(22);
    const [row] = await app.query<Record<string, unknown>>('select * from api_keys where id = ?', created.apiKey.id);
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(String(row?.secret_mac)).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await meWithKey(created.key);
    expect(me.status).toBe(200);
    const body = (await me.json()) as Record<string, unknown>;
    expect(body).toEqual({
      user: expect.objectContaining({ id: owner.id, emailVerified: false }),
      session: null,
      apiKey: { id: created.apiKey.id, name: 'CI deploy', expiresAt: created.apiKey.expiresAt },
    });

    const sessions = await send('sessions', 'GET', '/api/auth/sessions', { bearer: created.key });
    expect(sessions.status).toBe(200);
    const list = ((await sessions.json()) as { sessions: { id: string; current: boolean }[] }).sessions;
    expect(list.map((s) => [s.id, s.current])).toEqual([[owner.sid, false]]);

    const afterUse = ((await (await send('keys', 'GET', '/api/auth/api-keys', { cookies: owner.jar })).json()) as { apiKeys: Created['apiKey'][] }).apiKeys[0];
    expect(afterUse?.lastUsedAt).toBe(new Date(Date.now()).toISOString());

    const revoked = await send('key', 'DELETE', `/api/auth/api-keys/${created.apiKey.id}`, { cookies: owner.jar }, { id: created.apiKey.id });
    expect(revoked.status).toBe(204);
    // At once: the very next request, same instant.
    await expectError(await meWithKey(created.key), 401, 'unauthenticated');
    await expectError(await send('sessions', 'GET', '/api/auth/sessions', { bearer: created.key }), 401, 'unauthenticated');
    expect(((await (await send('keys', 'GET', '/api/auth/api-keys', { cookies: owner.jar })).json()) as { apiKeys: unknown[] }).apiKeys).toEqual([]);

    const events = await app.query<{ type: string }>("select type from security_events where user_id = ? and type like 'api_key%' order by id", owner.id);
    expect(events.map((event) => event.type)).toEqual(['api_key_created', 'api_key_used_from_new_ip', 'api_key_revoked']);
  });

  it('an expired key is refused from the instant it expires; a never-expiring key goes on', async () => {
    const owner = await user('expiry');
    const monthly = await createKey(owner.jar, { name: 'monthly', expiresInDays: 30 });
    const forever = await createKey(owner.jar, { name: 'forever', expiresInDays: null });
    expect(forever.apiKey.expiresAt).toBeNull();
    advanceClock(30 * DAY - 1);
    expect((await meWithKey(monthly.key)).status).toBe(200);
    advanceClock(1);
    await expectError(await meWithKey(monthly.key), 401, 'unauthenticated');
    expect((await meWithKey(forever.key)).status).toBe(200);
  });

  it('records use from a new IP address as a security event, once per new address', async () => {
    const owner = await user('newip');
    const { key } = await createKey(owner.jar);
    await meWithKey(key, '192.0.2.1');
    await meWithKey(key, '192.0.2.1');
    await meWithKey(key, '198.51.100.2');
    const events = await app.query<{ ip: string }>("select ip from security_events where user_id = ? and type = 'api_key_used_from_new_ip' order by id", owner.id);
    expect(events.map((event) => event.ip)).toEqual(['192.0.2.1', '198.51.100.2']);
  });

  it('validates the name and expiry; caps the number of live keys', async () => {
    const owner = await user('validate');
    const bad = async (json: unknown, field: string) => {
      const body = await expectError(await send('keys', 'POST', '/api/auth/api-keys', { cookies: owner.jar, json }), 400, 'validation_error');
      expect(Object.keys(body.error.fields ?? {})).toContain(field);
    };
    await bad({ name: '   ' }, 'name');
    await bad({ name: 'x'.repeat(65) }, 'name');
    await bad({ name: 'tab\there' }, 'name');
    await bad({ name: 'ok', expiresInDays: 7 }, 'expiresInDays');
    await bad({ name: 'ok', extra: true }, '_');
    for (let i = 0; i < 25; i += 1) await createKey(owner.jar, { name: `key ${i}` });
    await expectError(await send('keys', 'POST', '/api/auth/api-keys', { cookies: owner.jar, json: { name: 'one too many' } }), 409, 'too_many_api_keys');
  });

  it('another user’s key, an unknown id or a malformed one is 404 not_found, and stays live', async () => {
    const owner = await user('owner');
    const stranger = await user('stranger');
    const { key, apiKey } = await createKey(owner.jar);
    for (const id of [apiKey.id, 'AAAAAAAAAAAAAAAA', 'not-an-id']) {
      await expectError(await send('key', 'DELETE', `/api/auth/api-keys/${id}`, { cookies: stranger.jar }, { id }), 404, 'not_found');
    }
    expect((await meWithKey(key)).status).toBe(200);
  });

  it('deleting the account deletes its keys', async () => {
    const owner = await user('deleted');
    const { key, apiKey } = await createKey(owner.jar);
    const deleted = await send('account', 'DELETE', '/api/auth/account', { cookies: owner.jar, json: { password: PASSWORD } });
    expect(deleted.status).toBe(204);
    await expectError(await meWithKey(key), 401, 'unauthenticated');
    expect(await app.query('select id from api_keys where id = ?', apiKey.id)).toEqual([]);
  });

  it('limits the requests one key may make per window (429 with Retry-After), and a new window lets it go on', async () => {
    const owner = await user('limited');
    const { key } = await createKey(owner.jar);
    for (let i = 0; i < 8; i += 1) expect((await meWithKey(key)).status).toBe(200);
    const limited = await meWithKey(key);
    await expectError(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    advanceClock(MINUTE);
    expect((await meWithKey(key)).status).toBe(200);
  });
});

describe('housekeeping', () => {
  it('deletes keys a day after they were revoked or expired, and keeps the rest', async () => {
    const owner = await user('housekeeping');
    const revokedLongAgo = await createKey(owner.jar, { name: 'revoked long ago' });
    const expiring = await createKey(owner.jar, { name: 'expiring', expiresInDays: 30 });
    const live = await createKey(owner.jar, { name: 'live' });
    await send('key', 'DELETE', `/api/auth/api-keys/${revokedLongAgo.apiKey.id}`, { cookies: owner.jar }, { id: revokedLongAgo.apiKey.id });
    advanceClock(30 * DAY + API_KEY_RETENTION_MS + 1);
    // A month later the first session's access token has long expired: sign in again.
    const { jar } = await app.signIn(owner.email, PASSWORD);
    const revokedRecently = await createKey(jar, { name: 'revoked recently' });
    await send('key', 'DELETE', `/api/auth/api-keys/${revokedRecently.apiKey.id}`, { cookies: jar }, { id: revokedRecently.apiKey.id });
    const config = parseConfig(readEnv());
    const result = await runHousekeeping(await getStore(config.database), config, Date.now());
    expect(result.apiKeys).toBeGreaterThanOrEqual(2);
    const left = (await app.query<{ id: string }>('select id from api_keys where user_id = ?', owner.id)).map((row) => row.id).sort();
    expect(left).toEqual([live.apiKey.id, revokedRecently.apiKey.id].sort());
    expect(left).not.toContain(expiring.apiKey.id);
  });
});

describe('least privilege: a key never changes the account', () => {
  it('is refused (401) by password change, session revocation, logout scopes, account deletion and key management, and nothing changes', async () => {
    const owner = await user('least');
    const { key, apiKey } = await createKey(owner.jar);
    const bearer = { bearer: key };
    const refusals: [string, Response][] = [
      ['POST /api/auth/password', await send('password', 'POST', '/api/auth/password', { ...bearer, json: { currentPassword: PASSWORD, newPassword: 'another-long-passphrase-1' } })],
      ['DELETE /api/auth/sessions/{id}', await send('session', 'DELETE', `/api/auth/sessions/${owner.sid}`, bearer, { id: owner.sid })],
      ['POST /api/auth/logout others', await send('logout', 'POST', '/api/auth/logout', { ...bearer, json: { scope: 'others' } })],
      ['POST /api/auth/logout all', await send('logout', 'POST', '/api/auth/logout', { ...bearer, json: { scope: 'all' } })],
      ['DELETE /api/auth/account', await send('account', 'DELETE', '/api/auth/account', { ...bearer, json: { password: PASSWORD } })],
      ['GET /api/auth/api-keys', await send('keys', 'GET', '/api/auth/api-keys', bearer)],
      ['POST /api/auth/api-keys', await send('keys', 'POST', '/api/auth/api-keys', { ...bearer, json: { name: 'child key' } })],
      ['DELETE /api/auth/api-keys/{id}', await send('key', 'DELETE', `/api/auth/api-keys/${apiKey.id}`, bearer, { id: apiKey.id })],
    ];
    for (const [label, response] of refusals) {
      expect(response.status, label).toBe(401);
      await expectError(response, 401, 'unauthenticated');
      expect(response.headers.get('www-authenticate'), label).toMatch(/^Bearer\b/);
    }
    // The default logout scope (this session) with only a key: 204 as for anyone signed out, and nothing revoked.
    expect((await send('logout', 'POST', '/api/auth/logout', bearer)).status).toBe(204);

    // Nothing changed: the password, the session, the account and the keys are as they were.
    expect((await app.signIn(owner.email, PASSWORD)).response.status).toBe(200);
    const sessions = ((await (await send('sessions', 'GET', '/api/auth/sessions', { cookies: owner.jar })).json()) as { sessions: { id: string }[] }).sessions;
    expect(sessions.map((s) => s.id)).toContain(owner.sid);
    const keys = ((await (await send('keys', 'GET', '/api/auth/api-keys', { cookies: owner.jar })).json()) as { apiKeys: { id: string }[] }).apiKeys;
    expect(keys.map((k) => k.id)).toEqual([apiKey.id]);
    expect((await meWithKey(key)).status).toBe(200);
  });
});

describe('checking a key does the same work whatever is wrong with it', () => {
  const hmac = vi.mocked(nodeCrypto.createHmac);
  const compare = vi.mocked(nodeCrypto.timingSafeEqual);

  /** What one GET /api/auth/me with `key` made node:crypto do: HMACs, and the sizes of each constant-time comparison. */
  async function workFor(key: string): Promise<{ status: number; hmacs: number; comparisons: number[][] }> {
    hmac.mockClear();
    compare.mockClear();
    const response = await call(routes.me!.GET!, apiRequest('GET', '/api/auth/me', { bearer: key }));
    return { status: response.status, hmacs: hmac.mock.calls.length, comparisons: compare.mock.calls.map((args) => args.map((buffer) => (buffer as Buffer).length)) };
  }

  /** The same secret with its character at `index` changed to another valid one (keeping the base64url canonical). */
  function alter(secret: string, index: number): string {
    const replacement = index === secret.length - 1 ? (secret[index] === 'A' ? 'E' : 'A') : secret[index] === 'a' ? 'b' : 'a';
    return secret.slice(0, index) + replacement + secret.slice(index + 1);
  }

  it('an unknown id, a wrong secret, and a secret wrong only in its first or last character: one HMAC and one 32-byte comparison each', async () => {
    const owner = await user('timing');
    const { key } = await createKey(owner.jar);
    const id = key.slice(5, 21);
    const secret = key.slice(22);
    const right = await workFor(key);
    expect(right.status).toBe(200);
    const wrongs = {
      'unknown id': `ntak_${id.startsWith('A') ? 'B' : 'A'}${id.slice(1)}_${secret}`,
      'every character wrong': `ntak_${id}_${nodeCrypto.randomBytes(32).toString('base64url')}`,
      'first character wrong': `ntak_${id}_${alter(secret, 0)}`,
      'only the last character wrong': `ntak_${id}_${alter(secret, 42)}`,
    };
    for (const [label, wrong] of Object.entries(wrongs)) {
      const work = await workFor(wrong);
      expect(work.status, label).toBe(401);
      // The same work as for the right key, whose check also makes one HMAC and one comparison.
      expect({ hmacs: work.hmacs, comparisons: work.comparisons }, label).toEqual({ hmacs: right.hmacs, comparisons: [[32, 32]] });
    }
    expect(right.comparisons).toEqual([[32, 32]]);
  });
});
