/**
 * The Store conformance suite on the SQLite adapter: a fresh database file per test, and the races
 * spread over separate connections (stores) on that one file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSqliteStore } from '@/db/sqlite/store';
import { StoreUnavailableError, type SecurityEventRecord, type Store } from '@/db/store';
import { describeStoreConformance, eventRow } from './conformance';
import { SqliteStoreProcesses } from './sqlite-processes';

const root = mkdtempSync(path.join(tmpdir(), 'store-conformance-sqlite-'));
/**
 * better-sqlite3 is synchronous: two connections in this process never overlap, so the races'
 * extra connections live in child processes, where they do (as the app's instances do).
 */
const processes = new SqliteStoreProcesses(4);
beforeAll(() => processes.ready(), 30_000);
afterAll(() => {
  processes.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The database file the last `open()` created. */
let current = '';
let files = 0;

/** Reads security_events around the adapter, on a connection of its own. */
function rawSecurityEvents(): SecurityEventRecord[] {
  const db = new Database(current, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, type, user_id AS userId, session_id AS sessionId, ip, user_agent AS userAgent, at, detail FROM security_events ORDER BY id').all();
    return z.array(eventRow).parse(rows);
  } finally {
    db.close();
  }
}

describeStoreConformance(
  'sqlite',
  async () => {
    current = path.join(root, `store-${++files}.db`);
    return createSqliteStore(current);
  },
  {
    // This process's store plus 23 connections spread over 4 other processes.
    connect: () => processes.connect(current),
    connections: 24,
    rawSecurityEvents: async () => rawSecurityEvents(),
  },
);

describe('sqlite: unavailable', () => {
  /** createSqliteStore documents that it opens at once and throws StoreUnavailableError when it cannot. */
  function openError(file: string): unknown {
    let store: Store | undefined;
    try {
      store = createSqliteStore(file);
    } catch (error) {
      return error;
    }
    void store.close();
    return undefined;
  }

  it('a file that cannot be opened (its parent is a regular file): createSqliteStore throws StoreUnavailableError, naming no path', () => {
    const blocker = path.join(root, 'a-regular-file');
    writeFileSync(blocker, 'not a directory');
    const file = path.join(blocker, 'app.db');
    const error = openError(file);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    if (!(error instanceof StoreUnavailableError)) return;
    expect(error.kind).toBe('unreachable');
    expect(error.message).not.toContain(root);
    expect(error.message).not.toContain('SQLITE');
  });

  it('a file that is not a database: createSqliteStore throws StoreUnavailableError', () => {
    const garbage = path.join(root, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(8192, 0x5a));
    const error = openError(garbage);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    if (!(error instanceof StoreUnavailableError)) return;
    expect(error.message).not.toContain(garbage);
  });
});
