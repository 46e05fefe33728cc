/**
 * A few real checks of the PostgreSQL store against a real server (the full behaviour is the
 * conformance suite's job, tests/store/conformance*.ts). Needs TEST_POSTGRES_URL, a role allowed to
 * CREATE DATABASE: each run creates its own database and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, POSTGRES_MIGRATIONS_FOLDER } from '@/db/postgres/migrate';
import { createPool } from '@/db/postgres/pool';
import { createPostgresStore } from '@/db/postgres/store';
import { StoreUnavailableError, type NewSecurityEvent, type NewSession, type NewUser, type RateLimitRecord, type Store } from '@/db/store';

const serverUrl = process.env.TEST_POSTGRES_URL;
if (!serverUrl) throw new Error('TEST_POSTGRES_URL is not set: the PostgreSQL smoke test needs a server (e.g. postgres://root:root@127.0.0.1:5432/root)');

const databaseName = `auth_smoke_${Date.now()}_${randomBytes(4).toString('hex')}`;
const databaseUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const journalEntries = (JSON.parse(readFileSync(path.join(POSTGRES_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

let store: Store;
const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

const newUser = (email: string): NewUser => ({ id: randomBytes(8).toString('hex'), email, name: null, passwordHash: 'hash-1' });
const newSession = (userId: string, now = NOW): NewSession => ({
  id: randomBytes(16).toString('base64url'),
  userId,
  nonce: randomBytes(32).toString('base64url'),
  generation: 0,
  rotatedAt: now,
  createdAt: now,
  lastUsedAt: now,
  expiresAt: now + HOUR,
  absoluteExpiresAt: now + 24 * HOUR,
  userAgent: 'vitest',
  ip: '127.0.0.1',
  method: 'password',
});
const event = (type: string, userId: string | null, sessionId: string | null = null): NewSecurityEvent => ({ type, userId, sessionId, ip: '127.0.0.1', userAgent: 'vitest', at: NOW, detail: null });

beforeAll(async () => {
  await admin((client) => client.query(`CREATE DATABASE "${databaseName}"`));
  store = createPostgresStore(databaseUrl);
}, 60_000); // CREATE DATABASE copies template1: seconds on a busy disk

afterAll(async () => {
  await store?.close();
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
}, 60_000);

describe('PostgreSQL store (smoke)', () => {
  it('applies the migrations once, even from two pools at the same time', async () => {
    const first = createPool(databaseUrl);
    const second = createPool(databaseUrl);
    try {
      const applied = await Promise.all([migratePostgres(first), migratePostgres(second)]);
      expect(applied.sort()).toEqual([0, journalEntries]);
      expect(await migratePostgres(first)).toBe(0);
      const { rows } = await first.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(rows[0]?.n).toBe(journalEntries);
      const tables = await first.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`);
      expect(tables.rows.map((row) => row.name)).toEqual(['api_keys', 'authorization_codes', 'dpop_proofs', 'known_devices', 'linked_identities', 'one_time_tokens', 'passkey_challenges', 'passkeys', 'rate_limits', 'recovery_codes', 'security_events', 'sessions', 'two_factor', 'users']);
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });

  it('registers a user with their session and events, and finds their credentials', async () => {
    const user = newUser('ada@example.com');
    const session = newSession(user.id);
    const created = await store.register(user, session, [event('user_registered', user.id, session.id)], NOW);
    expect(created).toEqual({ id: user.id, email: 'ada@example.com', name: null, createdAt: NOW, emailVerifiedAt: null });
    expect(await store.findCredentials({ email: 'ada@example.com' })).toEqual({ ...created, passwordHash: 'hash-1' });
    expect(await store.findCredentials({ id: user.id })).toEqual({ ...created, passwordHash: 'hash-1' });
    expect(await store.findUserById(user.id)).toEqual(created);
    expect(await store.findSession(session.id)).toEqual({ ...session, clientId: null, dpopJkt: null, revokedAt: null, revokedReason: null });
    const events = await store.listSecurityEvents(user.id, ['user_registered'], 10);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'user_registered', userId: user.id, sessionId: session.id, at: NOW });
    expect(typeof events[0]?.id).toBe('number');
  });

  it('returns null for a taken email and writes nothing', async () => {
    const first = newUser('taken@example.com');
    expect(await store.register(first, newSession(first.id), [], NOW)).not.toBeNull();
    const second = newUser('taken@example.com');
    const orphan = newSession(second.id);
    expect(await store.register(second, orphan, [event('user_registered', null, orphan.id)], NOW)).toBeNull();
    expect(await store.findSession(orphan.id)).toBeNull();
    expect(await store.findUserById(second.id)).toBeNull();
  });

  it('lets exactly one of 20 parallel rotations of one generation win', async () => {
    const user = newUser('rotate@example.com');
    const session = newSession(user.id);
    await store.register(user, session, [], NOW);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.rotateSession(session.id, 0, NOW + 1000, NOW + 1000 + HOUR, null)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const rotated = await store.findSession(session.id);
    expect(rotated).toMatchObject({ generation: 1, rotatedAt: NOW + 1000, lastUsedAt: NOW + 1000, expiresAt: NOW + 1000 + HOUR, ip: '127.0.0.1' });
    expect(await store.rotateSession(session.id, 1, NOW + 2000, NOW + 2000 + HOUR, '10.0.0.2')).toBe(true);
    expect((await store.findSession(session.id))?.ip).toBe('10.0.0.2');
  });

  it('loses no count when 30 consumes of one key run in parallel', async () => {
    const count = (row: RateLimitRecord | null) => {
      const next = { key: 'ip:203.0.113.9', count: (row?.count ?? 0) + 1, windowStart: row?.windowStart ?? NOW, lastAt: NOW, limitedAt: null };
      return { save: next, result: next.count };
    };
    const results = await Promise.all(Array.from({ length: 30 }, () => store.consumeRateLimit('ip:203.0.113.9', count)));
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await store.consumeRateLimit('ip:203.0.113.9', (row) => ({ save: null, result: row?.count }))).toBe(30);
  });

  it('refuses a password change from a revoked session and writes nothing', async () => {
    const user = newUser('change@example.com');
    const caller = newSession(user.id);
    const other = newSession(user.id);
    await store.register(user, caller, [], NOW);
    await store.insertSession(other, []);
    expect(await store.revokeSession(caller.id, 'logout', NOW + 1, [event('session_revoked', user.id, caller.id)])).toBe(true);
    const revokedEvent = { type: 'session_revoked', userId: user.id, ip: null, userAgent: null, at: NOW + 2, detail: null };
    const result = await store.changePassword({ userId: user.id, sessionId: caller.id, confirmedHash: 'hash-1', now: NOW + 2 }, 'hash-2', revokedEvent, []);
    expect(result).toEqual({ ok: false, reason: 'session_ended' });
    expect((await store.findCredentials({ id: user.id }))?.passwordHash).toBe('hash-1');
    expect((await store.findSession(other.id))?.revokedAt).toBeNull();
  });

  it('throws StoreUnavailableError for an unreachable server', async () => {
    const unreachable = createPostgresStore('postgres://root:root@127.0.0.1:1/x');
    try {
      const error: unknown = await unreachable.findSession('nope').then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).kind).toBe('unreachable');
      expect((error as Error).message).toBe('database unreachable');
    } finally {
      await unreachable.close();
    }
    await expect(unreachable.findUserById('x')).rejects.toMatchObject({ name: 'StoreUnavailableError', kind: 'closed' });
  });
});
