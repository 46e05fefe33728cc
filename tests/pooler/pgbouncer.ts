/**
 * A PgBouncer of the test's own, in front of the PostgreSQL server at a given URL: the pooler a
 * Neon or Supabase "pooled" connection string points at, in transaction mode.
 *
 * - The binary: PGBOUNCER_PATH, else /usr/sbin/pgbouncer (Debian's package), else `pgbouncer` on
 *   PATH; a clear error when none is there (never a skip).
 * - `pool_mode = transaction`, a small `default_pool_size` (5), so a pool's server connections are
 *   really shared by many client connections, and `max_client_conn = 200`.
 * - Clients authenticate with SCRAM against an auth_file holding the role and password of the
 *   server URL; PgBouncer logs in to the server as that role with that password (SCRAM or md5,
 *   whatever the server asks), so a server that requires scram-sha-256 over TCP works.
 * - `[databases] * = host=… port=…`: any database name a client asks for is proxied to the
 *   database of that name on the server (an "auto-database"), so fresh test databases need no
 *   reload.
 * - `server_idle_timeout = 2`: the pools of the tests' many short-lived databases give their
 *   server connections back quickly (else the server runs out of max_connections).
 * - Its ini, auth_file, log and pid file live in a fresh temporary directory, deleted by stop().
 * - PgBouncer refuses to run as root: as root it is started with `-u <user>` (the `postgres`
 *   system user when there is one, else `nobody`) and the directory is made that user's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, readFileSync } from 'node:fs';
import { access, chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export const DEFAULT_POOL_SIZE = 5;
export const MAX_CLIENT_CONN = 200;

export interface PgBouncer {
  /** The loopback port it listens on. */
  readonly port: number;
  /** `databaseUrl` (a database on the proxied server) rewritten to reach it through PgBouncer. */
  through(databaseUrl: string): string;
  /** Runs one command on PgBouncer's admin console (database `pgbouncer`, simple protocol). */
  admin<R extends pg.QueryResultRow = Record<string, unknown>>(command: string): Promise<R[]>;
  /** The end of its log, for failure messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PGBOUNCER_PATH, else Debian's /usr/sbin/pgbouncer, else `pgbouncer` on PATH. */
export async function findPgBouncer(): Promise<string> {
  const given = process.env.PGBOUNCER_PATH;
  if (given !== undefined && given !== '') {
    if (await isExecutable(given)) return given;
    throw new Error(`PGBOUNCER_PATH=${given} is not an executable file`);
  }
  if (await isExecutable('/usr/sbin/pgbouncer')) return '/usr/sbin/pgbouncer';
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'pgbouncer');
    if (await isExecutable(candidate)) return candidate;
  }
  throw new Error(
    'PgBouncer is not installed: set PGBOUNCER_PATH, or install it (Debian/Ubuntu: `apt-get install -y pgbouncer`; .ci/run does). The `pooler` Vitest project needs a real PgBouncer.',
  );
}

/** uid and gid of a system user, from /etc/passwd; null when there is no such user. */
function systemUser(name: string): { uid: number; gid: number } | null {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** A TCP port on 127.0.0.1 that nobody listens on right now. */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A value for PgBouncer's ini or auth_file: no quotes, newlines or NULs to escape. */
function plain(value: string, what: string): string {
  if (value === '' || /["'\s\\;#\0]/.test(value)) throw new Error(`the ${what} of TEST_POSTGRES_URL cannot be written to a PgBouncer config as it is (quotes, spaces, backslashes, ; or #)`);
  return value;
}

/** Resolves when the child exits (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts PgBouncer in transaction mode in front of the server of `serverUrl` (a postgres:// URL). */
export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
  const binary = await findPgBouncer();
  const server = new URL(serverUrl);
  const role = plain(decodeURIComponent(server.username), 'user name');
  const password = plain(decodeURIComponent(server.password), 'password');
  const host = plain(server.hostname.replace(/^\[|\]$/g, ''), 'host');
  const serverPort = server.port === '' ? '5432' : plain(server.port, 'port');

  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? (systemUser('postgres') ? 'postgres' : 'nobody') : null;
  const owner = runAs === null ? null : systemUser(runAs);
  if (runAs !== null && owner === null) throw new Error(`running as root, and there is no system user ${runAs} to run PgBouncer as`);

  const dir = await mkdtemp(path.join(tmpdir(), 'next-token-auth-pgbouncer-'));
  const ini = path.join(dir, 'pgbouncer.ini');
  const authFile = path.join(dir, 'userlist.txt');
  const logFile = path.join(dir, 'pgbouncer.log');
  const pidFile = path.join(dir, 'pgbouncer.pid');

  let lastError: Error | null = null;
  // A port found free may be taken before PgBouncer binds it: then it exits, and we try another.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freeLoopbackPort();
    await writeFile(
      ini,
      [
        '[databases]',
        `* = host=${host} port=${serverPort}`,
        '',
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        // TCP only: no Unix socket in /tmp shared with anyone else.
        'unix_socket_dir =',
        'auth_type = scram-sha-256',
        `auth_file = ${authFile}`,
        `admin_users = ${role}`,
        'pool_mode = transaction',
        `max_client_conn = ${MAX_CLIENT_CONN}`,
        `default_pool_size = ${DEFAULT_POOL_SIZE}`,
        'reserve_pool_size = 0',
        // Every test makes a fresh database, so PgBouncer makes a pool per database; idle server
        // connections of finished tests close after 2 s instead of 10 min (server_idle_timeout's
        // default), or ~50 databases x 5 connections would exhaust the server's max_connections.
        'server_idle_timeout = 2',
        'ignore_startup_parameters = extra_float_digits,options',
        `logfile = ${logFile}`,
        `pidfile = ${pidFile}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    await writeFile(authFile, `"${role}" "${password}"\n`, { mode: 0o600 });
    if (owner !== null) {
      for (const file of [dir, ini, authFile]) await chown(file, owner.uid, owner.gid);
    }
    await chmod(dir, 0o700);

    const args = runAs === null ? ['-q', ini] : ['-q', '-u', runAs, ini];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // Set by the 'error' event (no such binary, not executable): an object, so the checks below see it.
    const spawned: { error: Error | null } = { error: null };
    child.once('error', (error) => {
      spawned.error = error;
    });

    const log = async (): Promise<string> => {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return `${text}${stderr}`.split('\n').slice(-40).join('\n');
    };

    const admin = async <R extends pg.QueryResultRow>(command: string): Promise<R[]> => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: role, password, database: 'pgbouncer', connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        return (await client.query<R>(command)).rows;
      } finally {
        await client.end();
      }
    };

    // Ready when its admin console answers.
    const deadline = Date.now() + START_TIMEOUT_MS;
    let ready = false;
    while (Date.now() < deadline) {
      if (spawned.error !== null || child.exitCode !== null || child.signalCode !== null) break;
      try {
        await admin('SHOW VERSION');
        ready = true;
        break;
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
        await sleep(100);
      }
    }
    if (!ready) {
      const why: Error | null = spawned.error ?? lastError;
      const tail = await log();
      child.kill('SIGKILL');
      await exited(child);
      lastError = new Error(`PgBouncer (${binary}) did not start on 127.0.0.1:${port}${why ? `: ${why.message}` : ''}\n${tail}`);
      continue;
    }

    let stopped: Promise<void> | null = null;
    return {
      port,
      through(databaseUrl: string): string {
        const url = new URL(databaseUrl);
        url.hostname = '127.0.0.1';
        url.port = String(port);
        return url.toString();
      },
      admin,
      log,
      stop(): Promise<void> {
        stopped ??= (async () => {
          // SIGTERM: immediate shutdown (SIGINT would wait for every client to leave).
          child.kill('SIGTERM');
          const done = await Promise.race([exited(child).then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
          if (!done) {
            child.kill('SIGKILL');
            await exited(child);
          }
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError ?? new Error('PgBouncer did not start');
}
