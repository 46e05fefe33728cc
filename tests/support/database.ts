/**
 * The test's database, whichever it is: `TEST_DATABASE=postgres` (the Vitest project `postgres`)
 * gives each test file a fresh database on the PostgreSQL server of tests/support/postgres.ts,
 * anything else a fresh SQLite file. Tests read (and, to set up a scene, write) it through an async
 * `query` with `?` placeholders and portable SQL, so one test runs unchanged on both.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { tempDatabasePath } from './env';
import { createTestDatabase } from './postgres';

export type Dialect = 'sqlite' | 'postgres';

/** The database the integration tests run on. */
export function testDialect(): Dialect {
  return process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
}

/** A DATABASE_URL for a fresh, empty database of the test dialect. */
export async function freshDatabaseUrl(dialect: Dialect = testDialect()): Promise<string> {
  return dialect === 'postgres' ? createTestDatabase() : `file:${tempDatabasePath()}`;
}

export interface DatabaseInspector {
  /** Runs one statement; `?` placeholders, numbers come back as numbers on both databases. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Opens a separate connection to the database at a DATABASE_URL, as an auditor would. */
export function inspectDatabase(url: string): DatabaseInspector {
  if (/^postgres(ql)?:/.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: 2,
      // int8 columns (times in ms, counts) as numbers, as the app's adapter reads them.
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig,
    });
    // An idle connection dropped by the server (a test that stops it) must not crash the run.
    pool.on('error', () => undefined);
    return {
      async query<T>(sql: string, ...params: unknown[]) {
        let n = 0;
        const text = sql.replace(/\?/g, () => `$${++n}`);
        return (await pool.query({ text, values: params })).rows as T[];
      },
      close: () => pool.end(),
    };
  }
  const file = url.replace(/^file:/, '');
  let connection: Database.Database | undefined;
  return {
    async query<T>(sql: string, ...params: unknown[]) {
      connection ??= new Database(file, { fileMustExist: true });
      connection.pragma('busy_timeout = 2000');
      const statement = connection.prepare(sql);
      return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
    },
    async close() {
      connection?.close();
    },
  };
}
