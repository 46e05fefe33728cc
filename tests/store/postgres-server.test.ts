/**
 * The tests' PostgreSQL itself (tests/support/postgres*.ts): the global setup hands its URL to
 * this worker, and createTestDatabase gives each caller a database of its own.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseName, dropTestDatabase } from '@/tests/support/postgres';

/** Runs `run` on a connection to `url`, then closes it. */
async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Whether `table` exists in the public schema of the database at `url`. */
async function hasTable(url: string, table: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ found: string | null }>('select to_regclass($1) as found', [`public.${table}`]);
    return rows[0]?.found !== null && rows[0]?.found !== undefined;
  });
}

describe('the tests\' PostgreSQL', () => {
  const created: string[] = [];

  afterAll(async () => {
    for (const url of created) await dropTestDatabase(url);
  });

  it('reaches this worker as TEST_POSTGRES_URL', () => {
    expect(process.env.TEST_POSTGRES_URL).toMatch(/^postgres(ql)?:\/\//);
  });

  it('gives every caller a fresh, empty database of its own', async () => {
    const first = await createTestDatabase();
    created.push(first);
    const second = await createTestDatabase();
    created.push(second);
    expect(databaseName(first)).not.toBe(databaseName(second));

    const version = await withClient(first, async (client) => (await client.query<{ version: string }>('select version() as version')).rows[0]?.version);
    expect(version).toMatch(/^PostgreSQL \d+/);

    // Each connection lands in its own database, UTF-8 whatever the server's default.
    for (const url of [first, second]) {
      const row = await withClient(url, async (client) => (await client.query<{ db: string; encoding: string }>("select current_database() as db, current_setting('server_encoding') as encoding")).rows[0]);
      expect(row).toEqual({ db: databaseName(url), encoding: 'UTF8' });
    }

    expect(await hasTable(first, 'things')).toBe(false);
    await withClient(first, async (client) => {
      await client.query('create table things (id integer primary key, label text not null)');
      await client.query("insert into things values (1, 'ünïcødé')");
    });
    expect(await hasTable(first, 'things')).toBe(true);
    expect(await hasTable(second, 'things')).toBe(false);
    const label = await withClient(first, async (client) => (await client.query<{ label: string }>('select label from things')).rows[0]?.label);
    expect(label).toBe('ünïcødé');
  });

  it('drops a database so that it no longer accepts connections', async () => {
    const url = await createTestDatabase();
    await dropTestDatabase(url);
    await expect(withClient(url, async (client) => client.query('select 1'))).rejects.toThrow(/does not exist/);
  });
});
