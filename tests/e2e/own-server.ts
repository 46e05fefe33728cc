/**
 * A server of the specs' own, next to the suite's web server: the same `.next-e2e` build
 * (`start`: server.mjs, which is what `npm start` runs) or a `next dev` on it (`dev`), on a port
 * of its own, with a fresh database and fresh secrets, its output captured for the test to read.
 *
 * The fresh database is a temporary SQLite file, or, when E2E_DATABASE_URL names a PostgreSQL
 * server (the suite's own database on it), a new database on that server, dropped at `stop()`:
 * never the suite's, whose rate-limit buckets and users these servers must not share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDatabaseOn, dropDatabaseAt } from '../support/postgres';

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface OwnServerOptions {
  /** `start`: `node server.mjs` on the suite's build (production); `dev`: `next dev` (development). */
  command: 'start' | 'dev';
  /** Set on top of the common values below (APP_ORIGIN, BCRYPT_COST, RATE_LIMIT_PER_IP, …). */
  env?: Record<string, string>;
  /** Polled on 127.0.0.1 until it answers 200; for `dev` the first answer also compiles that page. */
  readyPath: string;
  timeoutMs: number;
  /** Defaults to a free one. */
  port?: number;
}

export interface OwnServer {
  port: number;
  /** `http://localhost:<port>`, the default APP_ORIGIN. */
  origin: string;
  /** The server's stdout and stderr so far, as complete lines in the order they arrived. */
  output(): string[];
  /** Stops the server's whole process group; resolves once it has exited (bounded). */
  stop(): Promise<void>;
}

/** The common values: the suite's build folder, a database no earlier run touched, random secrets. */
function serverEnv(command: OwnServerOptions['command'], port: number, databaseUrl: string, overrides: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  // The port is the command line's; and only server.mjs (which overwrites x-client-address) may
  // tell the app to believe that header, never the runner's environment.
  delete inherited.PORT;
  delete inherited.TRUST_CLIENT_ADDRESS_HEADER;
  return {
    ...inherited,
    NODE_ENV: command === 'start' ? 'production' : 'development',
    // The suite's build; a `next dev` writes to `.next-e2e/dev` (already in tsconfig.json), so it
    // touches nothing of the developer's `.next`, `data/` or tsconfig.json.
    NEXT_DIST_DIR: '.next-e2e',
    NEXT_TELEMETRY_DISABLED: '1',
    DATABASE_URL: databaseUrl,
    ACCESS_TOKEN_SECRET: randomBytes(32).toString('hex'),
    REFRESH_TOKEN_SECRET: randomBytes(32).toString('hex'),
    COOKIE_SECURE: 'false',
    APP_ORIGIN: `http://localhost:${port}`,
    ...overrides,
  };
}

/** A database no earlier server touched, and how to remove it once the server is gone. */
async function freshDatabase(command: OwnServerOptions['command']): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.E2E_DATABASE_URL;
  if (server) {
    const url = await createDatabaseOn(server, 'E2E_DATABASE_URL', 'e2e_');
    return { url, drop: () => dropDatabaseAt(url, server) };
  }
  const file = path.join(os.tmpdir(), `e2e-${command}-${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.db`);
  return { url: `file:${file}`, drop: async () => undefined };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Signals the child's process group (it is the group's leader); a group already gone is fine. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** Starts the server and resolves once `readyPath` answers 200; rejects with its output otherwise. */
export async function startOwnServer(options: OwnServerOptions): Promise<OwnServer> {
  const port = options.port ?? (await freePort());
  const origin = `http://localhost:${port}`;
  // `start` is what `npm start` runs.
  const database = await freshDatabase(options.command);
  const { file, args } = options.command === 'start' ? { file: process.execPath, args: ['server.mjs', '--port', String(port)] } : { file: 'node_modules/.bin/next', args: ['dev', '--port', String(port)] };
  const child = spawn(file, args, {
    cwd: process.cwd(),
    // Its own process group, so stopping it stops every process it started too (`next dev` runs
    // the server in a child of its own).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv(options.command, port, database.url, options.env ?? {}),
  });
  // Complete lines in the order they arrived. Each stream keeps its unfinished line apart (so a
  // line never mixes the two, and a test never reads half a line) until its newline or the
  // stream's end.
  const lines: string[] = [];
  const unfinished = { stdout: '', stderr: '' };
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].on('data', (chunk: Buffer) => {
      const parts = (unfinished[name] + chunk.toString('utf8')).split('\n');
      unfinished[name] = parts.pop() ?? '';
      lines.push(...parts);
    });
    child[name].on('end', () => {
      if (unfinished[name] !== '') lines.push(unfinished[name]);
      unfinished[name] = '';
    });
  }
  const output = () => [...lines];
  let spawnError: Error | undefined;
  child.on('error', (error) => (spawnError = error));
  const exited = () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;
  // 'close' comes once the child has exited and its output pipes are closed, i.e. once everything
  // else in its group that held them is gone too.
  const gone = new Promise<true>((resolve) => child.once('close', () => resolve(true)));
  const goneWithin = async (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([gone, late]);
    } finally {
      clearTimeout(timer);
    }
  };

  const stopServer = async (): Promise<void> => {
    if (await goneWithin(0)) return;
    // The leader may have exited while others in its group still run: signal the group anyway.
    signalGroup(child, 'SIGTERM');
    if (await goneWithin(10_000)) return;
    signalGroup(child, 'SIGKILL');
    await goneWithin(5_000);
  };
  let dropped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await stopServer();
    dropped ??= database.drop();
    await dropped;
  };

  const url = `http://127.0.0.1:${port}${options.readyPath}`;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      await response.arrayBuffer();
      if (response.status === 200) return { port, origin, output, stop };
    } catch {
      // Not listening yet.
    }
    if (exited() || Date.now() >= deadline) {
      const why = spawnError ? `failed to start (${spawnError.message})` : exited() ? `exited (${child.exitCode ?? child.signalCode})` : `did not serve ${url} with 200 within ${options.timeoutMs} ms`;
      // Nothing is left running for an afterAll that never gets a server to stop.
      await stop();
      const text = [...lines, ...[unfinished.stdout, unfinished.stderr].filter((line) => line !== '')].join('\n');
      throw new Error(`${options.command === 'start' ? 'server.mjs' : 'next dev'} ${why}:\n${text}`);
    }
    await sleep(250);
  }
}
