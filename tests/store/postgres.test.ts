/**
 * The Store conformance suite on the PostgreSQL adapter: a fresh database per test on the server
 * at TEST_POSTGRES_URL, and the races on one store's pool and on two stores (two pools) sharing
 * that database. Without TEST_POSTGRES_URL this file fails: it never skips.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPostgresStore } from '@/db/postgres/store';
import { type SecurityEventRecord } from '@/db/store';
import { createTestDatabase, dropTestDatabase, withClient } from '../support/postgres';
import { describeStoreConformance, eventRow, expectUnavailable } from './conformance';

// Fail loudly at once, before any test is registered, when there is no server to test on.
if (!process.env.TEST_POSTGRES_URL) throw new Error('TEST_POSTGRES_URL is not set: run this file through the `store` Vitest project, whose global setup starts PostgreSQL');

/** The database the last `open()` created, and every one created so far (dropped at the end). */
let current = '';
const created: string[] = [];
let extraStores = 0;

/** Databases dropped at once at the end: each drop takes a connection, and there is one database per test. */
const DROPS_AT_ONCE = 8;

afterAll(async () => {
  // A few at a time: hundreds of drops at once would take every connection slot of the server.
  for (let i = 0; i < created.length; i += DROPS_AT_ONCE) await Promise.all(created.slice(i, i + DROPS_AT_ONCE).map((url) => dropTestDatabase(url)));
}, 300_000);

/** Reads security_events around the adapter, on a connection of its own. */
async function rawSecurityEvents(): Promise<SecurityEventRecord[]> {
  return withClient(current, async (client) => {
    // float8 is read as a JS number (int8 would be a string); every value here fits in 2^53.
    const { rows } = await client.query('SELECT id::float8 AS "id", type, user_id AS "userId", session_id AS "sessionId", ip, user_agent AS "userAgent", at::float8 AS "at", detail FROM security_events ORDER BY id');
    return z.array(eventRow).parse(rows);
  });
}

describeStoreConformance(
  'postgres',
  async () => {
    current = await createTestDatabase();
    created.push(current);
    return createPostgresStore(current);
  },
  {
    // The adapter keeps one pool per URL per process: a different application_name makes the
    // second store a second pool (its own connections) on the same database.
    connect: async () => {
      const url = new URL(current);
      url.searchParams.set('application_name', `conformance_${++extraStores}`);
      return createPostgresStore(url.toString());
    },
    connections: 2,
    rawSecurityEvents,
  },
);

describe('postgres: unavailable', () => {
  it('an unreachable server: methods reject with StoreUnavailableError whose message names neither host nor port', async () => {
    const store = createPostgresStore('postgres://root:root@127.0.0.1:1/x');
    try {
      for (const call of [() => store.findUserById('user-x'), () => store.findSession('sess-x'), () => store.consumeRateLimit('ip:x', () => ({ save: null, result: null }))]) {
        const error = await expectUnavailable(call, 'unreachable');
        expect(error.message).not.toContain('127.0.0.1');
        expect(error.message).not.toMatch(/:1\b|\bport\b|ECONNREFUSED/i);
        expect(String(error)).not.toContain('127.0.0.1');
      }
    } finally {
      await store.close();
    }
  });
});
