// `npm run bench`: what the auth costs, measured on this machine in one run (issues 6, 10, 11).
//
// `npm run bench` with no options runs the side-by-side comparison against Better Auth (scenario
// `peers`, below) on SQLite and on PostgreSQL, and replaces only its section of docs/BENCHMARKS.md
// ("Against Better Auth", between its markers) and docs/benchmarks-peers.svg. `--all` runs every
// scenario and writes the whole of docs/BENCHMARKS.md and docs/benchmarks.svg as well; `--only a,b`
// picks scenarios (`--only peers` is the default run).
//
// The other scenarios (`--all`):
//  1. Builds the app once (`next build`, dist dir .next-bench) and seeds a temporary SQLite
//     database through the app's own code (bench/seed.mjs).
//  2. Times access-token verification in plain Node (bench/verify.mjs), before any server runs.
//  3. Starts `npm start` (server.mjs) in its own process group (NODE_ENV=production, random secrets,
//     BCRYPT_COST=12, rate limits raised, BENCH_ROUTES=1) and drives it from a separate load
//     process (bench/load.mjs, autocannon): the same page outside the middleware matcher, behind
//     it without auth, and protected; the same API route open and protected by the route's own
//     stateless token check (API routes are outside the middleware matcher); /api/auth/me;
//     refresh rotating through many sessions; a navigation with and without a silent refresh;
//     sign-ins at cost 12 with a protected route's p99 measured alongside.
//  4. Starts a second server with BCRYPT_WORKERS=0 (bcrypt back on the event loop) and repeats
//     the sign-in measurement, so the bcrypt worker pool is shown before and after.
//  5. Profiles a third server (`node --cpu-prof`) under the refresh and silent-refresh loads and
//     the open and protected API route, and splits its CPU time into ours and the framework's
//     (bench/profile.mjs); bench/pieces.mjs times our own part of those paths without Next.js.
//  6. Prints a table and writes docs/BENCHMARKS.md and docs/benchmarks.svg.
//
// Two databases (issue 10): `me`, `refresh` and `pieces` run on SQLite and on PostgreSQL. A second
// server from the same build runs with DATABASE_URL on a fresh PostgreSQL database (bench/postgres.mjs:
// BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else an embedded server started here; the databases are
// dropped at the end), seeded the same way; runs alternate between the SQLite-backed and the
// PostgreSQL-backed server, and besides the app server's CPU, the PostgreSQL processes' CPU per
// request is read from /proc (SQLite works inside the app's process, PostgreSQL outside it).
// bench/pieces.mjs times the Store-level pieces on both databases, interleaved, in one process.
// The other scenarios run on SQLite only.
//
// Against Better Auth (issue 11, scenario `peers`, the default run): bench/peers/better-auth is a
// minimal Next.js app on Better Auth (its own package.json and lock; `npm ci` here when its
// node_modules are missing), built (dist dir .next-bench; reused only with --skip-build) and seeded
// through Better Auth's own API (its seed.mjs). Like for like, per database: our server.mjs on
// SQLite and on PostgreSQL (same build, each database seeded through the app's code), and the
// peer's `next start` in its default config on SQLite and on PostgreSQL (Better Auth's documented
// setups: a better-sqlite3 Database, a pg Pool; PEER_DATABASE_URL), each on a fresh database of
// its own (PostgreSQL's from bench/postgres.mjs, with the same settings as ours), plus one with
// BETTER_AUTH_COOKIE_CACHE=1 on SQLite, all side by side on their own ports. Every server first
// gets --peer-warmup seconds of load, all servers at once (each cycling through the routes it is
// measured on). Then --peer-rounds rounds: in each, every pair of routes is measured at
// --peer-connections (50) connections, ours on each database against theirs on the same
// database, all variants of a pair in one alternation: A B B A with one database, A B C D D C B A
// with two (ours and theirs on SQLite, ours and theirs on PostgreSQL), the halves swapped every
// other round. The stateless pair (theirs: the cookie cache) runs on SQLite only; refresh has no
// Better Auth counterpart (ours on each database against our own empty POST on our SQLite
// server: A B C C B A). From the same runs: throughput (median, min–max), p50/p99 and CPU per
// request (the server's process group, and PostgreSQL's processes for either side on PostgreSQL,
// from /proc). Every target of issue 11 is printed with its ratio and whether it is met, and the
// wall time of every phase is recorded. The default (2 rounds of 10 s, 60 s warm-up) fits in 15
// minutes on a 2-core machine, both builds included; the run prints its estimate before it starts.
//
// Every figure is the median of its timed runs (after a warm-up); runs of the variants being
// compared are interleaved, so a noisy moment hits all of them alike. The servers' process groups
// are killed at the end, on error and on Ctrl-C. Options (after `npm run bench --`):
//   --all (every scenario; default: peers only)  --only a,b (scenarios: verify, pieces, middleware,
//   me, refresh, navigation, login, profile, peers)  --skip-build (reuse .next-bench and the peer's
//   build)  --report-only (re-render the docs from bench/.tmp/results.json)  --verbose (log every
//   run and how long it took)  --databases sqlite,postgres (default both: the databases of me,
//   refresh, pieces and peers)
//   Scenarios other than peers: --runs N (5)  --duration S (3, seconds per run)  --warmup S (1.5)
//   --connections N (8)  --bcrypt-workers N (BCRYPT_WORKERS of the main server; default: the
//   app's, one per core)
//   peers: --peer-duration S (10)  --peer-warmup S (60, all servers at once)  --peer-rounds N (2)
//   --peer-connections N (50)
import { randomBytes } from 'node:crypto';
import { execFileSync, fork, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clusterCpuMs, provisionPostgres } from './postgres.mjs';
import { summarizeProfile } from './profile.mjs';
import { peersSection, renderMarkdown, renderPeersSvg, renderPeersTable, renderSvg, renderTable, splicePeersSection } from './report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK = path.join(ROOT, 'bench', '.tmp');
const DIST_DIR = '.next-bench';
const NEXT = path.join(ROOT, 'node_modules', '.bin', 'next');
const RESULTS_FILE = path.join(WORK, 'results.json');
const PEER_DIR = path.join(ROOT, 'bench', 'peers', 'better-auth');
const PEER_NEXT = path.join(PEER_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');

const { values: argv } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1.5' },
    connections: { type: 'string', default: '8' },
    'skip-build': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
    only: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'bcrypt-workers': { type: 'string' },
    databases: { type: 'string' },
    'peer-duration': { type: 'string', default: '10' },
    'peer-warmup': { type: 'string', default: '60' },
    'peer-rounds': { type: 'string', default: '2' },
    'peer-connections': { type: 'string', default: '50' },
    all: { type: 'boolean', default: false },
  },
});
const DATABASES_ARG = argv.databases ?? 'sqlite,postgres';
/** BCRYPT_WORKERS for the main server (unset: the app's default). */
const POOL_WORKERS = argv['bcrypt-workers'];
if (POOL_WORKERS !== undefined && !/^\d+$/.test(POOL_WORKERS)) fail('--bcrypt-workers must be a whole number');
const RUNS = positive(argv.runs, 'runs');
const DURATION = positive(argv.duration, 'duration');
const WARMUP = positive(argv.warmup, 'warmup');
const CONNECTIONS = positive(argv.connections, 'connections');
const SCENARIOS = ['verify', 'pieces', 'middleware', 'me', 'refresh', 'navigation', 'login', 'profile', 'peers'];
if (argv.all && argv.only) fail('--all and --only exclude each other');
/** Default: the side-by-side comparison alone (issue 11); --all: every scenario. */
const only = new Set(argv.only ? argv.only.split(',') : argv.all ? SCENARIOS : ['peers']);
for (const name of only) if (!SCENARIOS.includes(name)) fail(`--only: unknown scenario ${name} (one of ${SCENARIOS.join(', ')})`);
const DATABASE_NAMES = ['sqlite', 'postgres'];
/** The databases `me`, `refresh`, `pieces` and `peers` run on (the other scenarios: SQLite). */
const DATABASES = DATABASE_NAMES.filter((name) => DATABASES_ARG.split(',').includes(name));
for (const name of DATABASES_ARG.split(',')) if (!DATABASE_NAMES.includes(name)) fail(`--databases: unknown database ${name} (sqlite, postgres)`);
if (DATABASES.length === 0) fail('--databases: name at least one of sqlite, postgres');
/** Scenarios that run on each database of --databases. */
const DATABASE_SCENARIOS = ['me', 'refresh', 'pieces'];
/** The databases of our app in the `peers` scenario. */
const PEER_DATABASES = DATABASES;
const PEER_DURATION = positive(argv['peer-duration'], 'peer-duration');
const PEER_WARMUP = positive(argv['peer-warmup'], 'peer-warmup');
const PEER_ROUNDS = positive(argv['peer-rounds'], 'peer-rounds');
const PEER_CONNECTIONS = positive(argv['peer-connections'], 'peer-connections');
const NEEDS_POSTGRES =
  (DATABASES.includes('postgres') && DATABASE_SCENARIOS.some((name) => only.has(name))) || (only.has('peers') && PEER_DATABASES.includes('postgres'));

/** Sign-ins kept in flight during the storm: enough to keep every core hashing, and a queue. */
const LOGIN_CONNECTIONS = 2 * os.availableParallelism();
/**
 * Offered load of the protected-route probe that runs beside the sign-ins: a fifth of what
 * /api/auth/me sustains on this machine (measured first), so the probe measures latency, not a
 * queue of its own.
 */
const PROBE_SHARE = 0.2;
/** Sign-in rounds last longer than the others (one sign-in is ~350 ms of CPU at cost 12), so fewer. */
const LOGIN_DURATION = Math.max(DURATION, 4);
const LOGIN_RUNS = Math.min(RUNS, 3);
/** Seconds of load on a fresh server before anything is measured (see warmServer). */
const SERVER_WARMUP = 42;
/** Connections for the navigation pair: one, so each figure is a navigation's own latency. */
const NAV_CONNECTIONS = 1;
/** Environment variables the app reads (lib/config.ts): the benchmark sets each one itself. */
const APP_VARIABLES = [
  'DATABASE_URL', 'ACCESS_TOKEN_SECRET', 'REFRESH_TOKEN_SECRET', 'ACCESS_TOKEN_EXPIRY', 'REFRESH_TOKEN_EXPIRY', 'SESSION_MAX_AGE',
  'REFRESH_REUSE_INTERVAL', 'COOKIE_SECURE', 'APP_ORIGIN', 'BCRYPT_COST', 'RATE_LIMIT_PER_IP', 'RATE_LIMIT_PER_ACCOUNT', 'TRUST_PROXY',
  'VERCEL', 'BCRYPT_WORKERS', 'BENCH_ROUTES',
];
const COOKIES = { accessName: 'access_token', refreshName: 'refresh_token' };

function positive(text, name) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number`);
  return value;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const started = Date.now();
const log = (message) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);

// ---------------------------------------------------------------------------------------------
// Child processes: every server and build runs in a process group of its own, killed as a group
// (killing `next start` alone would leave its next-server child running).

const groups = new Set();
let loadProcess = null;
let tempDir = null;
/** The PostgreSQL server and databases of this run (bench/postgres.mjs), until cleanup. */
let postgres = null;

function spawnGroup(command, args, env, logFile, cwd = ROOT) {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  groups.add(child.pid);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return child;
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killGroup(pid) {
  if (!groups.has(pid)) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    groups.delete(pid);
    return;
  }
  for (let waited = 0; waited < 5000 && groupAlive(pid); waited += 100) await sleep(100);
  if (groupAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  groups.delete(pid);
}

function killEverythingNow() {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  groups.clear();
  if (loadProcess?.pid && loadProcess.exitCode === null) {
    try {
      process.kill(loadProcess.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = null;
}

async function cleanup() {
  for (const pid of [...groups]) await killGroup(pid);
  if (loadProcess && loadProcess.exitCode === null) loadProcess.disconnect();
  if (postgres) {
    const held = postgres;
    postgres = null;
    await held.stop().catch((error) => console.error(`bench: stopping PostgreSQL: ${error instanceof Error ? error.message : String(error)}`));
  }
  killEverythingNow();
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nbench: ${signal}, stopping the servers`);
    cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
// Last resort (an uncaught error, process.exit elsewhere): synchronous kills only.
process.on('exit', killEverythingNow);

// ---------------------------------------------------------------------------------------------
// Helpers

const median = (values) => {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Medians of each figure over runs, and the problems any run had. */
function summarizeRuns(runs) {
  const problems = [];
  runs.forEach((run, index) => {
    if (run.unexpected > 0) problems.push(`run ${index + 1}: ${run.unexpected} of ${run.requests} responses had another status (${JSON.stringify(run.statuses)})`);
    if (run.errors > 0) problems.push(`run ${index + 1}: ${run.errors} connection errors or timeouts`);
    if (run.ok === 0) problems.push(`run ${index + 1}: no successful response`);
  });
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    // Set when the runs' p50/p99 leave out their first moments (steadyAfterS): every request's.
    p50WholeRun: median(runs.map((r) => (r.steadyAfterS ? r.p50WholeRun : undefined))),
    p99WholeRun: median(runs.map((r) => (r.steadyAfterS ? r.p99WholeRun : undefined))),
    steadyAfterS: runs[0]?.steadyAfterS ?? 0,
    cpuMsPerRequest: median(runs.map((r) => r.cpuMsPerRequest)),
    // PostgreSQL only: its processes' CPU per request (backends of our database + background).
    dbCpuMsPerRequest: median(runs.map((r) => r.dbCpuMsPerRequest)),
    dbBackendCpuMsPerRequest: median(runs.map((r) => r.dbBackendCpuMsPerRequest)),
    dbBackgroundCpuMsPerRequest: median(runs.map((r) => r.dbBackgroundCpuMsPerRequest)),
    // App + database server (for SQLite, the app alone: its database runs inside it).
    totalCpuMsPerRequest: median(runs.map((r) => (r.cpuMsPerRequest === undefined ? undefined : r.cpuMsPerRequest + (r.dbCpuMsPerRequest ?? 0)))),
    runs,
    problems,
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  return {
    cpuModel: model,
    cpuMhz: mhz ? Math.round(Number(mhz)) : null,
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((n) => Number(n.toFixed(2))),
  };
}

/**
 * Runs a command to completion (a process group of its own), or throws with its log's tail.
 * Output goes to `logFile`; with `outFile`, standard output goes there instead.
 */
async function runToEnd(command, args, env, logFile, what, outFile = null, cwd = ROOT) {
  const fd = openSync(logFile, 'a');
  const out = outFile ? openSync(outFile, 'w') : fd;
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', out, fd] });
  closeSync(fd);
  if (outFile) closeSync(out);
  groups.add(child.pid);
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? signal)));
  await killGroup(child.pid);
  if (code !== 0) throw new Error(`${what} failed (${code}); the end of ${path.relative(ROOT, logFile)}:\n${tail(logFile)}`);
}

function tail(file, lines = 25) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (ms, user + system) used so far by every process in a process group, from /proc
 * (Linux; null elsewhere). CPU per request hardly depends on what else runs on the machine, so it
 * cross-checks throughput figures taken while other processes compete for the cores.
 */
function groupCpuMs(pgid) {
  if (!existsSync('/proc/self/stat')) return null;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Exited meanwhile.
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

// ---------------------------------------------------------------------------------------------
// Build, seed, servers

function baseEnv(extra) {
  const env = { ...process.env };
  for (const name of APP_VARIABLES) delete env[name];
  return { ...env, NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...extra };
}

/** The app's environment; `database` is a DATABASE_URL (`file:…` or `postgres://…`). */
function appEnv(secrets, database, port, extra = {}) {
  return baseEnv({
    DATABASE_URL: database,
    ACCESS_TOKEN_SECRET: secrets.access,
    REFRESH_TOKEN_SECRET: secrets.refresh,
    APP_ORIGIN: `http://127.0.0.1:${port}`,
    COOKIE_SECURE: 'false',
    BCRYPT_COST: '12',
    RATE_LIMIT_PER_IP: '1000000/1m',
    RATE_LIMIT_PER_ACCOUNT: '1000000/1m',
    TRUST_PROXY: 'false',
    ...extra,
  });
}

/**
 * `next build` rewrites tsconfig.json to include its dist dir's generated types. The benchmark's
 * dist dir is a throwaway, so when that is the only change, the file is put back as it was.
 */
function restoreTsconfig(before) {
  const file = path.join(ROOT, 'tsconfig.json');
  const after = readFileSync(file, 'utf8');
  if (after === before) return;
  try {
    const a = JSON.parse(before);
    const b = JSON.parse(after);
    b.include = (b.include ?? []).filter((entry) => !entry.startsWith(`${DIST_DIR}/`));
    if (JSON.stringify(a) === JSON.stringify(b)) writeFileSync(file, before);
  } catch {
    // Not plain JSON (comments): leave Next's version.
  }
}

async function build(env) {
  const logFile = path.join(WORK, 'build.log');
  rmSync(logFile, { force: true });
  const tsconfig = readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8');
  const t0 = Date.now();
  try {
    await runToEnd(NEXT, ['build'], env, logFile, 'next build');
  } finally {
    restoreTsconfig(tsconfig);
  }
  return (Date.now() - t0) / 1000;
}

/**
 * Starts `npm start` (server.mjs) in a process group of its own and waits until `readyPath` answers
 * `readyStatus`. With `profileDir`, the server runs under `node --cpu-prof` (one process in
 * Next 16: the CLI becomes the server) and writes its profile there when it stops.
 */
async function startServer(name, env, port, readyPath, readyStatus, profileDir = null) {
  const logFile = path.join(WORK, `server-${name}.log`);
  rmSync(logFile, { force: true });
  // server.mjs is `npm start` (Next's handler behind a small Node server; one process).
  const args = [path.join(ROOT, 'server.mjs'), '-p', String(port), '-H', '127.0.0.1'];
  // server.mjs has no SIGTERM handler, and --cpu-prof writes its profile only on a normal exit:
  // the profiled server exits on SIGTERM through process.exit.
  const exitOnTerm = `data:text/javascript,${encodeURIComponent("process.once('SIGTERM', () => process.exit(0));")}`;
  const child = profileDir
    ? spawnGroup(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', exitOnTerm, ...args], env, logFile)
    : spawnGroup(process.execPath, args, env, logFile);
  child.startedAt = Date.now();
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let exited = null;
  void child.exited.then((code) => {
    exited = code;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`server.mjs (${name}) exited (${exited}) before it answered; the end of ${path.relative(ROOT, logFile)}:\n${tail(logFile)}`);
    try {
      const response = await fetch(origin + readyPath, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === readyStatus) return { child, origin, logFile };
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`server.mjs (${name}) did not answer ${readyPath} with ${readyStatus} within 60 s; see ${path.relative(ROOT, logFile)}`);
}

// ---------------------------------------------------------------------------------------------
// The load process

let nextRunId = 0;
const pending = new Map();

function startLoadProcess() {
  loadProcess = fork(path.join(ROOT, 'bench', 'load.mjs'), [], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  loadProcess.on('message', (message) => {
    const key = message.type === 'pool-ready' ? `pool:${message.name}` : message.id;
    const waiter = pending.get(key);
    if (!waiter) return;
    pending.delete(key);
    if (message.type === 'error') waiter.reject(new Error(`load generator: ${message.message}`));
    else waiter.resolve(message);
  });
  loadProcess.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the load generator exited (${code})`));
    pending.clear();
  });
}

function sendPool(name, sessions) {
  return new Promise((resolve, reject) => {
    pending.set(`pool:${name}`, { resolve, reject });
    loadProcess.send({ type: 'pool', name, sessions });
  });
}

const loadCpu = [];
/** The process group of the server being measured (for its CPU time per request). */
let serverGroup = null;

/**
 * Runs jobs side by side in the load process; their results, in order. The first result also
 * gets the server's CPU time per successful request over the run (`cpuMsPerRequest`) and, with
 * `target.cluster` (a PostgreSQL database, bench/postgres.mjs), the database server's
 * (`dbCpuMsPerRequest`, split into our database's backends and the background processes).
 * `target.group`: the server's process group (default: `serverGroup`).
 */
async function runJobs(jobs, target = {}) {
  const id = nextRunId++;
  const group = target.group ?? serverGroup;
  const cluster = target.cluster ?? null;
  const cpuBefore = group === null ? null : groupCpuMs(group);
  const dbBefore = cluster ? clusterCpuMs(cluster, CLOCK_TICKS) : null;
  // The load process has its own watchdogs; this one turns anything else into an error, not a hang.
  const limitS = Math.max(...jobs.map((job) => (job.delay ?? 0) + job.duration)) + 60;
  const message = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`the load generator did not finish a run within ${limitS} s`));
    }, limitS * 1000);
    pending.set(id, {
      resolve: (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    loadProcess.send({ type: 'run', id, jobs });
  });
  loadCpu.push(message.cpuShare);
  if (argv.verbose) log(`run ${id}: ${jobs.map((job) => `${job.kind} ${job.method ?? 'GET'} ${job.path} ${job.duration}s`).join(' + ')} took ${message.wallS.toFixed(1)} s`);
  const cpuAfter = group === null ? null : groupCpuMs(group);
  const dbAfter = cluster ? clusterCpuMs(cluster, CLOCK_TICKS) : null;
  const [first] = message.results;
  if (first && cpuBefore !== null && cpuAfter !== null && first.ok > 0) first.cpuMsPerRequest = (cpuAfter - cpuBefore) / first.ok;
  if (first && dbBefore && dbAfter && first.ok > 0) {
    first.dbBackendCpuMsPerRequest = (dbAfter.backends - dbBefore.backends) / first.ok;
    first.dbBackgroundCpuMsPerRequest = (dbAfter.background - dbBefore.background) / first.ok;
    first.dbCpuMsPerRequest = first.dbBackendCpuMsPerRequest + first.dbBackgroundCpuMsPerRequest;
  }
  return message.results;
}

const cannon = (origin, spec) => ({ kind: 'cannon', url: origin, connections: CONNECTIONS, duration: DURATION, ...spec });

/** Every ordering of 0…n-1 (n is 2 or 3 here). */
function permutations(n) {
  if (n <= 1) return [[0]];
  return permutations(n - 1).flatMap((perm) => Array.from({ length: n }, (_, i) => [...perm.slice(0, i), n - 1, ...perm.slice(i)]));
}

/** Pause between runs, so one run's leftovers (garbage to collect, sockets closing) land in no other. */
const SETTLE_MS = 300;

/**
 * Measures several variants against each other: a warm-up of each, then RUNS rounds in which
 * every variant runs once. Rounds cycle through every ordering of the variants, so none of them
 * always runs first or always follows the same one (a variant run after a faster one inherits
 * some of its garbage collection).
 */
async function compare(variants, makeJobs, targetOf = () => ({})) {
  const names = Object.keys(variants);
  for (const name of names) await runJobs(makeJobs(variants[name], WARMUP), targetOf(variants[name]));
  const orders = permutations(names.length);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (const index of orders[round % orders.length]) {
      const name = names[index];
      await sleep(SETTLE_MS);
      const [result] = await runJobs(makeJobs(variants[name], DURATION), targetOf(variants[name]));
      runs[name].push(result);
    }
  }
  return runs;
}

/** The ratio of two variants' medians of a figure (what the targets are stated in). */
const ratioOfMedians = (a, b, field) => {
  const top = median(a.map((run) => run[field]));
  const bottom = median(b.map((run) => run[field]));
  return top === null || bottom === null || bottom === 0 ? null : top / bottom;
};

// ---------------------------------------------------------------------------------------------
// Smoke checks: the harness measures what it claims to (fails the run otherwise).

async function expectStatus(origin, pathname, init, status, what) {
  const response = await fetch(origin + pathname, { redirect: 'manual', ...init });
  await response.arrayBuffer();
  if (response.status !== status) throw new Error(`smoke check: ${what}: expected ${status}, got ${response.status}`);
  return response;
}

function setCookieValue(response, name) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';', 1);
    const index = pair.indexOf('=');
    if (pair.slice(0, index) === name) return pair.slice(index + 1);
  }
  return null;
}

/**
 * API routes are outside the middleware matcher: their CSP is next.config.js's static one
 * (`default-src 'none'`), never the middleware's per-request nonce.
 */
async function checkStaticApiCsp(origin) {
  const open = await expectStatus(origin, '/api/bench/open', {}, 200, 'the open bench API');
  const csp = open.headers.get('content-security-policy') ?? '';
  if (!csp.startsWith("default-src 'none'") || csp.includes('nonce-')) throw new Error(`smoke check: /api/bench/open has not the static API CSP from next.config.js (went through the middleware?): ${JSON.stringify(csp)}`);
}

async function smokeChecks(origin, seed) {
  const single = seed.pools.single[0];
  const cookie = { cookie: `${COOKIES.accessName}=${single.access}; ${COOKIES.refreshName}=${single.refresh}` };
  await checkStaticApiCsp(origin);
  const plain = await expectStatus(origin, '/bench/plain', {}, 200, 'the plain bench page');
  if (!plain.headers.has('content-security-policy')) throw new Error('smoke check: /bench/plain did not go through the middleware');
  await expectStatus(origin, '/api/bench/auth', {}, 401, 'the protected bench API without a token');
  await expectStatus(origin, '/bench/auth', {}, 303, 'the protected bench page without a token');
  await expectStatus(origin, '/api/bench/auth', { headers: cookie }, 200, 'the protected bench API with a token');
  await expectStatus(origin, '/bench/auth', { headers: cookie }, 200, 'the protected bench page with a token');
  await expectStatus(origin, '/api/auth/me', { headers: cookie }, 200, '/api/auth/me with a token');
  // A silent refresh, with a session of its own: the page renders and both cookies rotate.
  const spare = seed.pools.smoke[0];
  const silent = await expectStatus(origin, '/bench/auth', { headers: { cookie: `${COOKIES.refreshName}=${spare.refresh}` } }, 200, 'a silent refresh');
  const rotated = setCookieValue(silent, COOKIES.refreshName);
  if (!rotated || rotated === spare.refresh || !setCookieValue(silent, COOKIES.accessName)) throw new Error('smoke check: the silent refresh did not rotate the cookies');
  const refreshed = await expectStatus(origin, '/api/auth/refresh', { method: 'POST', headers: { cookie: `${COOKIES.refreshName}=${rotated}` } }, 200, 'refresh');
  if (!setCookieValue(refreshed, COOKIES.refreshName)) throw new Error('smoke check: refresh set no cookie');
  const body = JSON.stringify({ email: seed.email, password: seed.password });
  await expectStatus(origin, '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body }, 200, 'sign-in');
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/**
 * A fresh `next start` keeps getting faster for the first minute or so of load (V8 tiers up
 * Next's request path, lazy initialisation): a trivial API route measured here went from 2.3 to
 * 1.4 ms of CPU per request over three rounds, the page from 9.8 to 3.9 ms over five. So before anything is measured, every route the
 * benchmark requests without side effects gets several seconds of load, in turns.
 */
async function warmServer(origin, seed, seconds) {
  const single = seed.pools.single[0];
  const headers = { cookie: `${COOKIES.accessName}=${single.access}; ${COOKIES.refreshName}=${single.refresh}` };
  const paths = ['/bench/open', '/bench/plain', '/bench/auth', '/api/bench/open', '/api/bench/auth', '/api/auth/me'];
  // autocannon ends runs on whole seconds.
  const each = Math.max(1, Math.round(seconds / (2 * paths.length)));
  log(`warming the server up: ${paths.length} routes, ${seconds} s`);
  for (let pass = 0; pass < 2; pass += 1) for (const pathname of paths) await runJobs([cannon(origin, { path: pathname, headers, duration: each })]);
}

/**
 * The database scenarios' routes on each database's server, in turns, so both servers are equally
 * warm on exactly the paths compared (the SQLite server has had warmServer's routes on top).
 */
async function warmDatabaseServers(servers, kinds) {
  const each = 3;
  log(`warming the database paths up: ${kinds.join(', ')} on ${Object.keys(servers).join(' and ')}, ${2 * each * kinds.length * Object.keys(servers).length} s`);
  for (let pass = 0; pass < 2; pass += 1) {
    for (const server of Object.values(servers)) {
      for (const kind of kinds) {
        await runJobs(
          [
            kind === 'me'
              ? cannon(server.origin, { path: '/api/auth/me', headers: { cookie: `${COOKIES.accessName}=${server.seed.pools.single[0].access}` }, duration: each })
              : cannon(server.origin, { method: 'POST', path: '/api/auth/refresh', headers: { 'content-length': '0' }, pool: server.refreshPool, cookies: COOKIES, sendAccess: false, duration: each }),
          ],
          { group: server.group },
        );
      }
    }
  }
}

/** The PostgreSQL-backed peer really keeps its sessions in PostgreSQL: its seed's sign-in is there. */
async function checkPeerPostgresServed(peer) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: peer.url });
  await client.connect();
  try {
    const { rows } = await client.query('select count(*)::int as n from "session" where "userId" = $1', [peer.seed.userId]);
    if (!(rows[0]?.n >= 1)) throw new Error("smoke check: the PostgreSQL-backed peer's session is not in PostgreSQL");
  } finally {
    await client.end();
  }
}

/** The PostgreSQL-backed server really wrote to PostgreSQL: the smoke checks' `rotations` (from generation 0) are there. */
async function checkPostgresServed(url, rotations = 2) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select max(generation) as generation from sessions');
    if (!(Number(rows[0]?.generation) >= rotations)) throw new Error('smoke check: the PostgreSQL-backed server did not rotate a session in PostgreSQL');
  } finally {
    await client.end();
  }
}

async function middlewareScenario(origin, seed) {
  const single = seed.pools.single[0];
  // Every variant carries the same cookies, so requests differ only in their path.
  const headers = { cookie: `${COOKIES.accessName}=${single.access}; ${COOKIES.refreshName}=${single.refresh}` };
  const out = {};
  // Pages: outside the matcher, matched without auth (CSP nonce, headers), protected. API routes
  // are all outside the matcher now: open, and protected by the route's own stateless check.
  for (const [kind, prefix, names] of [['page', '/bench', ['open', 'plain', 'auth']], ['api', '/api/bench', ['open', 'auth']]]) {
    const variants = Object.fromEntries(names.map((name) => [name, `${prefix}/${name}`]));
    log(`middleware, ${kind}: ${Object.values(variants).join(', ')}`);
    const runs = await compare(variants, (pathname, duration) => [cannon(origin, { path: pathname, headers, duration })]);
    out[kind] = Object.fromEntries(names.map((name) => [name, summarizeRuns(runs[name])]));
    out[kind].authVsOpen = ratioOfMedians(runs.auth, runs.open, 'rps');
    // The same comparison in server CPU time per request (robust to other load on the machine).
    out[kind].authVsOpenCpu = ratioOfMedians(runs.auth, runs.open, 'cpuMsPerRequest');
    if (runs.plain) {
      Object.assign(out[kind], {
        plainVsOpen: ratioOfMedians(runs.plain, runs.open, 'rps'),
        authVsPlain: ratioOfMedians(runs.auth, runs.plain, 'rps'),
        plainVsOpenCpu: ratioOfMedians(runs.plain, runs.open, 'cpuMsPerRequest'),
        authVsPlainCpu: ratioOfMedians(runs.auth, runs.plain, 'cpuMsPerRequest'),
      });
    }
  }
  return out;
}

/**
 * `/api/auth/me` or refresh on each database's server (`servers`: { sqlite?, postgres? }, each
 * { origin, seed, group, cluster, refreshPool }), runs alternating between them: per database the
 * medians, and PostgreSQL against SQLite as ratios of medians.
 */
async function databaseScenario(kind, servers) {
  const names = Object.keys(servers);
  log(kind === 'me' ? `GET /api/auth/me on ${names.join(' and ')}` : `POST /api/auth/refresh on ${names.join(' and ')}, rotating through ${servers[names[0]].seed.pools.refresh.length} sessions each`);
  const jobs = (name, duration) => {
    const server = servers[name];
    return kind === 'me'
      ? [cannon(server.origin, { path: '/api/auth/me', headers: { cookie: `${COOKIES.accessName}=${server.seed.pools.single[0].access}` }, duration })]
      : [cannon(server.origin, { method: 'POST', path: '/api/auth/refresh', headers: { 'content-length': '0' }, pool: server.refreshPool, cookies: COOKIES, sendAccess: false, duration })];
  };
  const runs = await compare(Object.fromEntries(names.map((name) => [name, name])), jobs, (name) => ({ group: servers[name].group, cluster: servers[name].cluster }));
  const out = {};
  for (const name of names) {
    out[name] = summarizeRuns(runs[name]);
    if (kind === 'refresh') Object.assign(out[name], { sessions: servers[name].seed.pools.refresh.length, sessionsLeft: runs[name].at(-1)?.poolLeft ?? null });
  }
  if (runs.sqlite && runs.postgres) {
    out.rpsRatio = ratioOfMedians(runs.postgres, runs.sqlite, 'rps');
    out.p50Ratio = ratioOfMedians(runs.postgres, runs.sqlite, 'p50');
    out.appCpuRatio = ratioOfMedians(runs.postgres, runs.sqlite, 'cpuMsPerRequest');
    out.totalCpuRatio = out.postgres.totalCpuMsPerRequest === null || !out.sqlite.cpuMsPerRequest ? null : out.postgres.totalCpuMsPerRequest / out.sqlite.cpuMsPerRequest;
  }
  return out;
}

async function navigationScenario(origin, seed) {
  log('navigation to a protected page: valid access cookie vs silent refresh');
  const single = seed.pools.single[0];
  const variants = { normal: 'normal', silent: 'silent' };
  const runs = await compare(variants, (variant, duration) => [
    variant === 'normal'
      ? cannon(origin, { path: '/bench/auth', connections: NAV_CONNECTIONS, duration, headers: { cookie: `${COOKIES.accessName}=${single.access}; ${COOKIES.refreshName}=${single.refresh}` } })
      : cannon(origin, { path: '/bench/auth', connections: NAV_CONNECTIONS, duration, pool: 'nav', cookies: COOKIES, sendAccess: false }),
  ]);
  const normal = summarizeRuns(runs.normal);
  const silent = summarizeRuns(runs.silent);
  return {
    normal,
    silent,
    connections: NAV_CONNECTIONS,
    sessions: seed.pools.nav.length,
    p50Ratio: ratioOfMedians(runs.silent, runs.normal, 'p50'),
    p99Ratio: ratioOfMedians(runs.silent, runs.normal, 'p99'),
    cpuRatio: ratioOfMedians(runs.silent, runs.normal, 'cpuMsPerRequest'),
  };
}

/**
 * Sign-ins at cost 12 from LOGIN_CONNECTIONS connections, with a paced probe of a protected
 * route beside them, against the same probe alone. Rounds alternate idle and storm.
 */
async function loginScenario(origin, seed, probeRate) {
  const single = seed.pools.single[0];
  const probe = (duration, delay = 0) => ({
    kind: 'probe',
    url: origin,
    path: '/api/auth/me',
    rate: probeRate,
    duration,
    delay,
    headers: { cookie: `${COOKIES.accessName}=${single.access}` },
  });
  const login = (duration) =>
    cannon(origin, {
      method: 'POST',
      path: '/api/auth/login',
      connections: LOGIN_CONNECTIONS,
      duration,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: seed.email, password: seed.password }),
    });
  // The probe starts once the storm is under way and ends before it stops.
  const storm = (duration) => [login(duration + 1), probe(duration, 0.5)];
  // Sign-ins already queued when a storm's connections close still run: let them finish.
  const drain = () => sleep(1000 + LOGIN_CONNECTIONS * 400);
  await runJobs([probe(WARMUP)]);
  await runJobs(storm(WARMUP));
  await drain();
  const idle = [];
  const during = [];
  const logins = [];
  for (let round = 0; round < LOGIN_RUNS; round += 1) {
    const [alone] = await runJobs([probe(LOGIN_DURATION)]);
    idle.push(alone);
    const [signIns, probed] = await runJobs(storm(LOGIN_DURATION));
    logins.push(signIns);
    during.push(probed);
    await drain();
  }
  return {
    logins: summarizeRuns(logins),
    idle: summarizeRuns(idle),
    storm: summarizeRuns(during),
    p99Ratio: ratioOfMedians(during, idle, 'p99'),
    p50Ratio: ratioOfMedians(during, idle, 'p50'),
    loginConnections: LOGIN_CONNECTIONS,
    probeRate,
  };
}

/** The probe's rate: a share of what /api/auth/me sustains (measured now unless already known). */
async function probeRateFor(origin, seed, meRps) {
  let capacity = meRps;
  if (!capacity) {
    const single = seed.pools.single[0];
    const [run] = await runJobs([cannon(origin, { path: '/api/auth/me', duration: 2, headers: { cookie: `${COOKIES.accessName}=${single.access}` } })]);
    capacity = run.rps;
  }
  return Math.max(5, Math.min(200, Math.round(capacity * PROBE_SHARE)));
}

async function verifyScenario() {
  log('access-token verification micro-benchmark (plain Node)');
  const outFile = path.join(WORK, 'verify.json');
  const logFile = path.join(WORK, 'verify.log');
  rmSync(logFile, { force: true });
  const rounds = Math.min(RUNS, 3);
  const seconds = Math.min(0.5, DURATION / 4);
  await runToEnd(process.execPath, ['--conditions=react-server', '--import', 'tsx', path.join(ROOT, 'bench', 'verify.mjs'), String(rounds), String(seconds)], baseEnv({}), logFile, 'bench/verify.mjs', outFile);
  const raw = JSON.parse(readFileSync(outFile, 'utf8'));
  const medians = Object.fromEntries(Object.entries(raw.opsPerSecond).map(([name, values]) => [name, median(values)]));
  return { ...raw, medians };
}

async function piecesScenario(secrets, port) {
  log(`our own work on the hot paths, without Next.js (bench/pieces.mjs), on ${DATABASES.join(' and ')}`);
  const outFile = path.join(WORK, 'pieces.json');
  rmSync(path.join(WORK, 'pieces.log'), { force: true });
  const dbFile = path.join(tempDir, 'pieces.db');
  const rounds = Math.min(RUNS, 3);
  const seconds = Math.min(0.5, DURATION / 4);
  const urls = DATABASES.map((name) => (name === 'sqlite' ? `file:${dbFile}` : postgres.databases.pieces));
  await runToEnd(
    process.execPath,
    ['--conditions=react-server', '--import', 'tsx', path.join(ROOT, 'bench', 'pieces.mjs'), String(rounds), String(seconds), ...urls],
    appEnv(secrets, `file:${dbFile}`, port),
    path.join(WORK, 'pieces.log'),
    'bench/pieces.mjs',
    outFile,
  );
  const raw = JSON.parse(readFileSync(outFile, 'utf8'));
  const medians = (perOp) => Object.fromEntries(Object.entries(perOp).map(([name, values]) => [name, median(values)]));
  const databases = Object.fromEntries(
    Object.entries(raw.databases).map(([name, d]) => [name, { ...d, medians: medians(d.msPerOp), cpuMedians: medians(d.cpuMsPerOp) }]),
  );
  return { ...raw, medians: medians(raw.msPerOp), databases };
}

/**
 * A server under `node --cpu-prof`, loaded with refresh requests and then with silent-refresh
 * navigations (sessions from the load process's pools, still current); each window of the profile
 * is summarized on its own. Profiling slows the server down, so no figure is taken from here.
 */
async function profileScenario(env, port, seconds, seed) {
  const profileDir = path.join(WORK, 'profile');
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  log(`server.mjs under --cpu-prof on port ${port}: refresh, silent-refresh navigations, the API route open and with the route's own token check, the page outside the middleware, through it, with the auth check, and /dashboard, ${seconds} s each`);
  const server = await startServer('profile', env, port, '/api/bench/open', 200, profileDir);
  serverGroup = server.child.pid;
  const windows = {};
  const single = seed.pools.single[0];
  const cookie = { cookie: `${COOKIES.accessName}=${single.access}; ${COOKIES.refreshName}=${single.refresh}` };
  const loads = {
    refresh: cannon(server.origin, { method: 'POST', path: '/api/auth/refresh', headers: { 'content-length': '0' }, pool: 'refresh', cookies: COOKIES, sendAccess: false, duration: seconds }),
    navigation: cannon(server.origin, { path: '/bench/auth', connections: NAV_CONNECTIONS, pool: 'nav', cookies: COOKIES, sendAccess: false, duration: seconds }),
    // The same API route open and protected by the route's own stateless check (no middleware
    // for either): the check's share of the CPU.
    apiOpen: cannon(server.origin, { path: '/api/bench/open', headers: cookie, duration: seconds }),
    apiAuth: cannon(server.origin, { path: '/api/bench/auth', headers: cookie, duration: seconds }),
    // The same page outside the middleware, through it without auth, through it with the auth
    // check, and the protected dashboard (a valid access token: no refresh): what the Edge
    // sandbox's pass costs a page, by where its CPU goes (issue 11's page targets).
    pageOpen: cannon(server.origin, { path: '/bench/open', headers: cookie, duration: seconds }),
    pagePlain: cannon(server.origin, { path: '/bench/plain', headers: cookie, duration: seconds }),
    pageAuth: cannon(server.origin, { path: '/bench/auth', headers: cookie, duration: seconds }),
    dashboard: cannon(server.origin, { path: '/dashboard', headers: cookie, duration: seconds }),
  };
  // Warm the fresh server up first, so the windows show steady state rather than V8 tiering up.
  for (const job of Object.values(loads)) await runJobs([{ ...job, duration: 2 }]);
  for (const [name, job] of Object.entries(loads)) {
    const from = Date.now() - server.child.startedAt;
    const [result] = await runJobs([job]);
    windows[name] = { fromMs: from + 500, toMs: Date.now() - server.child.startedAt - 200, requests: result.ok };
  }
  await killGroup(server.child.pid);
  serverGroup = null;
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('the profiled server wrote no .cpuprofile (it did not exit cleanly on SIGTERM)');
  const out = {};
  for (const [name, window] of Object.entries(windows)) {
    const summary = summarizeProfile(path.join(profileDir, file), window.fromMs, window.toMs);
    // Every category: the report subtracts one page's from another's (and shows the top 8 of the others).
    out[name] = { ...window, busyMs: summary.busyMs, onStack: summary.onStack, categories: summary.categories, functions: summary.functions.slice(0, 15) };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Against Better Auth (issue 11): bench/peers/better-auth beside our app

/** min, median and max of a figure over runs. */
function spread(runs, field) {
  const values = runs.map((run) => run[field]).filter((v) => typeof v === 'number' && Number.isFinite(v));
  return values.length === 0 ? null : { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** summarizeRuns plus min–max of throughput, CPU per request and latency. */
function summarizeSpread(runs) {
  return { ...summarizeRuns(runs), spread: { rps: spread(runs, 'rps'), cpuMsPerRequest: spread(runs, 'cpuMsPerRequest'), p50: spread(runs, 'p50'), p99: spread(runs, 'p99') } };
}

function peerVersions() {
  const version = (name) => {
    try {
      return JSON.parse(readFileSync(path.join(PEER_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  return { betterAuth: version('better-auth'), next: version('next'), betterSqlite3: version('better-sqlite3'), pg: version('pg') };
}

/** `npm ci` in the peer's folder when its dependencies are missing; then `next build` there unless reusable. */
async function preparePeer(env) {
  const out = { installed: false, installSeconds: null, buildSeconds: null };
  if (!existsSync(PEER_NEXT) || !existsSync(path.join(PEER_DIR, 'node_modules', 'better-auth', 'package.json'))) {
    log('npm ci in bench/peers/better-auth (its dependencies are missing; log in bench/.tmp/peer-install.log)');
    const t0 = Date.now();
    const logFile = path.join(WORK, 'peer-install.log');
    // better-sqlite3 is the peer's only package with an install script (prebuild-install, else
    // node-gyp compiling SQLite: minutes on 2 cores where no prebuilt binary can be downloaded).
    // Ours is the same package: when the versions match, its addon, built for this very Node, is
    // copied; otherwise the peer's own install script runs.
    await runToEnd('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { ...process.env }, logFile, 'npm ci (bench/peers/better-auth)', null, PEER_DIR);
    const oursSqlite = path.join(ROOT, 'node_modules', 'better-sqlite3');
    const theirsSqlite = path.join(PEER_DIR, 'node_modules', 'better-sqlite3');
    const addon = path.join('build', 'Release', 'better_sqlite3.node');
    const versionOf = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    if (existsSync(path.join(oursSqlite, addon)) && versionOf(oursSqlite) === versionOf(theirsSqlite)) {
      mkdirSync(path.dirname(path.join(theirsSqlite, addon)), { recursive: true });
      copyFileSync(path.join(oursSqlite, addon), path.join(theirsSqlite, addon));
      out.sqliteAddon = `copied from our node_modules (better-sqlite3 ${versionOf(oursSqlite)}, the same version)`;
    } else {
      await runToEnd('npm', ['rebuild', 'better-sqlite3'], { ...process.env }, logFile, 'npm rebuild better-sqlite3 (bench/peers/better-auth)', null, PEER_DIR);
      out.sqliteAddon = 'built by its install script';
    }
    log(`the peer's better-sqlite3 addon: ${out.sqliteAddon}`);
    out.installed = true;
    out.installSeconds = (Date.now() - t0) / 1000;
  }
  if (argv['skip-build'] && existsSync(path.join(PEER_DIR, DIST_DIR, 'BUILD_ID'))) {
    log(`reusing the peer's build in bench/peers/better-auth/${DIST_DIR} (--skip-build)`);
    return out;
  }
  log(`next build of the Better Auth peer (dist dir ${DIST_DIR}; log in bench/.tmp/peer-build.log)`);
  const logFile = path.join(WORK, 'peer-build.log');
  rmSync(logFile, { force: true });
  // next build may rewrite the peer's tsconfig.json (its dist dir's types): put it back.
  const tsconfigFile = path.join(PEER_DIR, 'tsconfig.json');
  const tsconfig = readFileSync(tsconfigFile, 'utf8');
  const t0 = Date.now();
  try {
    await runToEnd(process.execPath, [PEER_NEXT, 'build'], env, logFile, 'next build (bench/peers/better-auth)', null, PEER_DIR);
  } finally {
    if (readFileSync(tsconfigFile, 'utf8') !== tsconfig) writeFileSync(tsconfigFile, tsconfig);
  }
  out.buildSeconds = (Date.now() - t0) / 1000;
  log(`peer built in ${out.buildSeconds.toFixed(0)} s`);
  return out;
}

/**
 * The peer's environment: Better Auth's own variables, its database (`database`: a postgres:// URL,
 * else a SQLite file), the config variant.
 */
function peerEnv(secret, port, database, cookieCache) {
  const env = { ...process.env };
  for (const name of APP_VARIABLES) delete env[name];
  for (const name of ['BETTER_AUTH_COOKIE_CACHE', 'PEER_DATABASE_URL', 'PEER_DATABASE_FILE']) delete env[name];
  const postgresUrl = /^postgres(ql)?:\/\//.test(database);
  return {
    ...env,
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
    BETTER_AUTH_SECRET: secret,
    BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
    ...(postgresUrl ? { PEER_DATABASE_URL: database } : { PEER_DATABASE_FILE: database }),
    ...(cookieCache ? { BETTER_AUTH_COOKIE_CACHE: '1' } : {}),
  };
}

/** `next start` of the peer in a process group of its own, once `/api/public` answers 200. */
async function startPeer(name, env, port) {
  const logFile = path.join(WORK, `peer-${name}.log`);
  rmSync(logFile, { force: true });
  const child = spawnGroup(process.execPath, [PEER_NEXT, 'start', '-p', String(port), '-H', '127.0.0.1'], env, logFile, PEER_DIR);
  const origin = `http://127.0.0.1:${port}`;
  let exited = null;
  void child.exited.then((code) => {
    exited = code;
  });
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (exited !== null) throw new Error(`the peer (${name}) exited (${exited}) before it answered; the end of ${path.relative(ROOT, logFile)}:\n${tail(logFile)}`);
    try {
      const response = await fetch(`${origin}/api/public`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return { child, origin, logFile };
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`the peer (${name}) did not answer /api/public within 60 s; see ${path.relative(ROOT, logFile)}`);
}

/**
 * The cookie the cookie-cache peer's load sends: the session cookie plus a fresh `session_data`
 * cache cookie, as a browser holds them (the cache cookie lives 5 minutes; Better Auth sets a new
 * one on the first request after it lapsed). Taken before every run, outside its measurement.
 */
async function freshCacheCookie(origin, sessionCookie) {
  const response = await fetch(`${origin}/api/protected`, { headers: { cookie: sessionCookie } });
  await response.arrayBuffer();
  const data = response.headers.getSetCookie().map((line) => line.split(';', 1)[0]).find((pair) => /(^|\.)session_data=/.test(pair));
  if (response.status !== 200 || !data) throw new Error(`smoke check: the cookie-cache peer set no session_data cookie (${response.status})`);
  return `${sessionCookie}; ${data}`;
}

/**
 * The pairs of routes compared: ours (on each database when `perDatabase`, else on SQLite) against
 * theirs on the same database. `peer`: the peer server (`plain`: default config, one server per
 * database; `cache`: cookie cache, SQLite only) or `self` (theirs is our own route on our SQLite
 * server: refresh against our empty POST). `protected`: the p99 ≤ 3× p50 target applies.
 */
const PEER_PAIRS = {
  apiDb: { label: 'protected API, database session check', ours: '/api/auth/me', theirs: '/api/protected', theirsName: 'Better Auth', peer: 'plain', perDatabase: true, target: 1.5, protected: true },
  // SQLite only: the cookie-cache peer runs on SQLite alone (and neither side's check reads the database).
  apiStateless: { label: 'protected API, stateless check (theirs: cookie cache)', ours: '/api/bench/auth', theirs: '/api/protected', theirsName: 'Better Auth (cookie cache)', peer: 'cache', perDatabase: false, target: null, protected: true },
  page: { label: 'protected page showing the user', ours: '/dashboard', theirs: '/protected', theirsName: 'Better Auth', peer: 'plain', perDatabase: true, target: 1.2, protected: true },
  emptyPage: { label: 'empty dynamic page', ours: '/bench/open', theirs: '/public', theirsName: 'Better Auth', peer: 'plain', perDatabase: false, target: 1, protected: false },
  emptyApi: { label: 'empty API route', ours: '/api/bench/open', theirs: '/api/public', theirsName: 'Better Auth', peer: 'plain', perDatabase: false, target: 1, protected: false },
  refresh: { label: 'refresh (rotation) against our own empty POST', ours: 'POST /api/auth/refresh', theirs: 'POST /api/bench/open', theirsName: 'our empty POST', peer: 'self', perDatabase: true, target: 0.8, protected: false },
};
/** The p99 ≤ 3× p50 target on every protected route. */
const PEER_TAIL_TARGET = 3;
/** Pause before each run of the peers scenario (see SETTLE_MS). */
const PEER_SETTLE_MS = 200;
/**
 * Latency percentiles of a peers run leave out requests sent in its first second: 50 fresh
 * connections opening at once on a server that sat idle while the other variants were measured.
 * The whole run's p50 and p99 are reported beside them; throughput and CPU cover the whole run.
 */
const PEER_STEADY_AFTER_S = 1;
/** Pause between the all-servers warm-up and the first measured run. */
const PEER_DRAIN_MS = 3000;
/**
 * Seconds a run costs beyond its duration (pause, cookie, autocannon's start and end), for the
 * estimate: 0.42 s measured with a 300 ms pause (667 s for 64 runs of 10 s).
 */
const PEER_RUN_OVERHEAD_S = 0.35;
/** Sessions per database for the refresh pair (each returns to the pool after its rotation). */
const PEER_REFRESH_SESSIONS = 1000;
/** The database of the pairs that run on one database: SQLite when it is measured. */
const peerMainDatabase = (databases) => (databases.includes('sqlite') ? 'sqlite' : databases[0]);

/**
 * Where a pair's variants run, in the order of the alternation: `[{ side: 'ours' | 'theirs',
 * database }]`, ours and theirs on each database side by side (A B, or A B C D with two
 * databases; refresh: ours on SQLite, our empty POST on SQLite, ours on PostgreSQL). Theirs is
 * the default-config peer on the database ours runs on, the cookie-cache peer on SQLite, or our
 * empty POST on our SQLite server.
 */
function pairLayout(pair, databases) {
  const main = peerMainDatabase(databases);
  const oursOn = pair.perDatabase ? databases : [main];
  const theirsOn = pair.peer === 'plain' ? oursOn : pair.peer === 'cache' ? ['sqlite'] : [main];
  return DATABASE_NAMES.flatMap((database) => [
    ...(oursOn.includes(database) ? [{ side: 'ours', database }] : []),
    ...(theirsOn.includes(database) ? [{ side: 'theirs', database }] : []),
  ]);
}

/** Variants (runs per alternation half) of every pair. */
const peerVariantCount = (databases) => Object.values(PEER_PAIRS).reduce((sum, pair) => sum + pairLayout(pair, databases).length, 0);

/** What the `peers` scenario will take, before it starts (builds measured on a 2-core machine). */
function peersEstimate(building) {
  const variants = peerVariantCount(PEER_DATABASES);
  const runs = variants * 2 * PEER_ROUNDS;
  const measureSeconds = runs * (PEER_DURATION + PEER_RUN_OVERHEAD_S);
  // Both builds side by side, the peer's `npm ci` (when its node_modules are missing) beside ours:
  // 68 s in all on a 2-core machine with a load average of 6.5 from other work, npm's cache warm.
  const buildSeconds = building ? 90 : 0;
  // PostgreSQL's databases, seeds and starts of the five servers, smoke checks (12 s for four).
  const setupSeconds = 25;
  return { variants, runs, measureSeconds, warmupSeconds: PEER_WARMUP + PEER_DRAIN_MS / 1000, buildSeconds, setupSeconds, totalSeconds: buildSeconds + setupSeconds + PEER_WARMUP + PEER_DRAIN_MS / 1000 + measureSeconds };
}

/**
 * Ours against Better Auth. `ours`: { sqlite?, postgres? } each { origin, group, cluster, cookie,
 * refreshCookie, refreshPool }; `peer`: { plain: { sqlite?, postgres? } each { origin, group,
 * cluster, cookie }, cache: { origin, group, sessionCookie } (SQLite) }. Every pair compares ours
 * on a database with theirs on the same database (pairLayout). Returns { comparisons, phases }.
 */
async function peersComparison(ours, peer) {
  const databases = Object.keys(ours);
  /** Variant name → { server (a key for the warm-up), side, database, origin, group, cluster, spec() }: spec() is the load's request. */
  const variantsOf = (pair) => {
    const out = {};
    for (const { side, database } of pairLayout(pair, databases)) {
      const name = `${side}-${database}`;
      if (side === 'ours') {
        const server = ours[database];
        const spec =
          pair.ours === 'POST /api/auth/refresh'
            ? async () => ({ method: 'POST', path: '/api/auth/refresh', headers: { 'content-length': '0' }, pool: server.refreshPool, cookies: COOKIES, sendAccess: false })
            : async () => ({ path: pair.ours, headers: { cookie: server.cookie } });
        out[name] = { server: `ours-${database}`, side, database, origin: server.origin, group: server.group, cluster: server.cluster, spec };
      } else if (pair.peer === 'self') {
        const server = ours[database];
        // The empty POST carries the refresh cookie alone, as the refresh requests do.
        out[name] = { server: `ours-${database}`, side, database, origin: server.origin, group: server.group, cluster: server.cluster, spec: async () => ({ method: 'POST', path: '/api/bench/open', headers: { 'content-length': '0', cookie: server.refreshCookie } }) };
      } else {
        const p = pair.peer === 'cache' ? peer.cache : peer.plain[database];
        const cookie = pair.peer === 'cache' ? () => freshCacheCookie(p.origin, p.sessionCookie) : async () => p.cookie;
        out[name] = { server: `peer-${pair.peer}-${database}`, side, database, origin: p.origin, group: p.group, cluster: p.cluster ?? null, spec: async () => ({ path: pair.theirs, headers: { cookie: await cookie() } }) };
      }
    }
    return out;
  };
  const runVariant = async (variant, duration) => {
    const spec = await variant.spec();
    await sleep(PEER_SETTLE_MS);
    const [result] = await runJobs([cannon(variant.origin, { ...spec, connections: PEER_CONNECTIONS, duration, steadyAfterS: PEER_STEADY_AFTER_S })], { group: variant.group, cluster: variant.cluster });
    return result;
  };

  // Warm-up: every server gets PEER_WARMUP seconds of load, all servers at once, each cycling
  // through the routes it is measured on (in chunks of at most 30 s, so the cookie-cache peer's
  // cache cookie is fresh in each).
  const routesOf = new Map();
  for (const pair of Object.values(PEER_PAIRS)) for (const variant of Object.values(variantsOf(pair))) routesOf.set(variant.server, [...(routesOf.get(variant.server) ?? []), variant]);
  const warmupStarted = Date.now();
  log(`warming up ${routesOf.size} servers at once for ${PEER_WARMUP} s (${[...routesOf].map(([server, routes]) => `${server}: ${routes.length} routes`).join(', ')}; ${PEER_CONNECTIONS} connections each)`);
  for (let left = PEER_WARMUP; left > 0; ) {
    const chunk = Math.min(30, left);
    left -= chunk;
    const jobs = [];
    for (const routes of routesOf.values()) {
      // autocannon ends runs on whole seconds: each route a whole number of seconds, in turns.
      const each = Math.max(1, Math.floor(chunk / routes.length));
      let delay = 0;
      for (const variant of routes) {
        if (delay >= chunk) break;
        jobs.push(cannon(variant.origin, { ...(await variant.spec()), connections: PEER_CONNECTIONS, duration: Math.min(each, chunk - delay), delay }));
        delay += each;
      }
    }
    await runJobs(jobs, { group: null });
  }
  // Five servers loaded at once on a small machine end the warm-up with queues of requests whose
  // connections are gone: let them drain before the first measured run (a short run measured
  // right after saw its server answer nothing for 3 s).
  await sleep(PEER_DRAIN_MS);
  const warmupSeconds = (Date.now() - warmupStarted) / 1000;

  const raw = Object.fromEntries(Object.entries(PEER_PAIRS).map(([key, pair]) => [key, Object.fromEntries(Object.keys(variantsOf(pair)).map((name) => [name, []]))]));
  const measureStarted = Date.now();
  const runsInAll = Object.values(raw).reduce((sum, variants) => sum + Object.keys(variants).length, 0) * 2 * PEER_ROUNDS;
  let runsDone = 0;
  for (let round = 0; round < PEER_ROUNDS; round += 1) {
    const left = ((Date.now() - measureStarted) / Math.max(1, runsDone)) * (runsInAll - runsDone) / 1000;
    log(`round ${round + 1} of ${PEER_ROUNDS}: ${Object.keys(PEER_PAIRS).join(', ')} at ${PEER_CONNECTIONS} connections (A B B A, A B C C B A, A B C D D C B A; ${PEER_DURATION} s each)${runsDone ? `; about ${Math.round(left)} s left` : ''}`);
    for (const [key, pair] of Object.entries(PEER_PAIRS)) {
      const variants = variantsOf(pair);
      const names = Object.keys(variants);
      // A B B A (ours and theirs on two databases: A B C D D C B A), the halves swapped every other round.
      const forward = round % 2 === 0 ? names : [...names].reverse();
      for (const name of [...forward, ...[...forward].reverse()]) {
        raw[key][name].push(await runVariant(variants[name], PEER_DURATION));
        runsDone += 1;
      }
    }
  }
  const measureSeconds = (Date.now() - measureStarted) / 1000;

  const tail = (s) => (s.p50 ? s.p99 / s.p50 : null);
  const comparisons = {};
  for (const [key, pair] of Object.entries(PEER_PAIRS)) {
    const runs = raw[key];
    const layout = pairLayout(pair, databases);
    const entry = {
      label: pair.label,
      ours: pair.ours,
      theirs: pair.theirs,
      theirsName: pair.theirsName,
      peerConfig: pair.peer === 'cache' ? 'cookie cache' : pair.peer === 'self' ? 'ours' : 'default',
      target: pair.target,
      protected: pair.protected,
      connections: PEER_CONNECTIONS,
      // Theirs on each database it ran on; byDatabase[ours' database].theirsDatabase names the one compared.
      theirsByDatabase: {},
      byDatabase: {},
    };
    for (const { database } of layout.filter((v) => v.side === 'theirs')) {
      const s = summarizeSpread(runs[`theirs-${database}`]);
      s.p99OverP50 = tail(s);
      entry.theirsByDatabase[database] = s;
    }
    for (const { database: name } of layout.filter((v) => v.side === 'ours')) {
      const oursRuns = runs[`ours-${name}`];
      // Theirs on the same database, else (the cookie-cache peer, the empty POST) the one it ran on.
      const theirsDatabase = entry.theirsByDatabase[name] ? name : Object.keys(entry.theirsByDatabase)[0];
      const theirsRuns = runs[`theirs-${theirsDatabase}`];
      const s = summarizeSpread(oursRuns);
      const rpsRatio = ratioOfMedians(oursRuns, theirsRuns, 'rps');
      const p99OverP50 = tail(s);
      entry.byDatabase[name] = {
        ours: s,
        theirsDatabase,
        rpsRatio,
        // Theirs over ours: above 1 means we spend less CPU per request (each side's server process group).
        cpuRatio: ratioOfMedians(theirsRuns, oursRuns, 'cpuMsPerRequest'),
        met: pair.target === null || rpsRatio === null ? null : rpsRatio >= pair.target,
        p99OverP50,
        tailMet: !pair.protected || p99OverP50 === null ? null : p99OverP50 <= PEER_TAIL_TARGET,
      };
      if (pair.ours === 'POST /api/auth/refresh') entry.byDatabase[name].sessionsLeft = oursRuns.at(-1)?.poolLeft ?? null;
    }
    comparisons[key] = entry;
  }
  return { comparisons, phases: { warmupSeconds, measureSeconds } };
}

/** The whole `peers` scenario: peer build (or its promise), seeds, servers, smoke checks, the comparison. */
async function peersScenario(secrets, peerSetup) {
  const t0 = Date.now();
  const loadAverageAtStart = os.loadavg().map((n) => Number(n.toFixed(2)));
  const { peerSecret, plainPort, prepared: preparing } = peerSetup;
  const estimate = peersEstimate(false);
  log(`peers: ${estimate.variants} variants × ${2 * PEER_ROUNDS} runs of ${PEER_DURATION} s at ${PEER_CONNECTIONS} connections ≈ ${Math.round(estimate.measureSeconds)} s, after ${PEER_WARMUP} s of warm-up; ours and Better Auth (default config) each on ${PEER_DATABASES.join(' and ')}, Better Auth's cookie cache on sqlite`);
  const prepared = await preparing;
  const phases = { peerInstallSeconds: prepared.installSeconds ?? null, peerBuildSeconds: prepared.buildSeconds };
  const [oursPort, oursPgPort, cachePort, plainPgPort] = [await freePort(), await freePort(), await freePort(), await freePort()];

  // Seeds, side by side. Better Auth's side: the default-config peer on a fresh database per
  // database kind (a SQLite file; a fresh PostgreSQL database like ours), the cookie-cache peer on
  // a fresh SQLite file, each seeded through Better Auth's own API. Ours: a fresh database per
  // database kind, seeded through the app's code, with access tokens that outlive the scenario (no
  // silent refresh in the middle of a run) and a pool of sessions for refresh.
  let phaseStarted = Date.now();
  /** The peer's servers: default config on each database, cookie cache on SQLite. */
  const peerServers = [
    ...PEER_DATABASES.map((database) => ({ name: database === 'sqlite' ? 'plain' : `plain-${database}`, config: 'plain', database, port: database === 'sqlite' ? plainPort : plainPgPort, cookieCache: false })),
    { name: 'cache', config: 'cache', database: 'sqlite', port: cachePort, cookieCache: true },
  ];
  log(`seeding, side by side: the peer through Better Auth (signUpEmail, signInEmail; ${peerServers.map((s) => `${s.config === 'cache' ? 'cookie cache' : 'default config'} on ${s.database}`).join(', ')}), ours through the app code (bench/seed.mjs) on ${PEER_DATABASES.join(' and ')}`);
  const peerSeed = async (server) => {
    const database = server.database === 'postgres' ? postgres.databases.peer : path.join(tempDir, `peer-${server.name}.db`);
    const env = peerEnv(peerSecret, server.port, database, server.cookieCache);
    const outFile = path.join(tempDir, `peer-seed-${server.name}.json`);
    await runToEnd(process.execPath, [path.join(PEER_DIR, 'seed.mjs')], env, path.join(WORK, `peer-seed-${server.name}.log`), `bench/peers/better-auth/seed.mjs (${server.name})`, outFile, PEER_DIR);
    const seed = JSON.parse(readFileSync(outFile, 'utf8'));
    if (seed.database !== server.database) throw new Error(`bench/peers/better-auth/seed.mjs (${server.name}) seeded ${seed.database}, not ${server.database}`);
    return { ...server, env, url: server.database === 'postgres' ? database : null, seed };
  };
  const oursEnvExtra = { BENCH_ROUTES: '1', ACCESS_TOKEN_EXPIRY: '2h' };
  const oursSeed = async (name) => {
    const port = name === 'sqlite' ? oursPort : oursPgPort;
    const url = name === 'sqlite' ? `file:${path.join(tempDir, 'peers-ours.db')}` : postgres.databases.peers;
    const seedFile = path.join(tempDir, `peers-seed-${name}.json`);
    await runToEnd(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', path.join(ROOT, 'bench', 'seed.mjs'), seedFile, 'single=1', 'smoke=1', `refresh=${PEER_REFRESH_SESSIONS}`],
      appEnv(secrets, url, port, oursEnvExtra),
      path.join(WORK, `peers-seed-${name}.log`),
      `bench/seed.mjs (peers, ${name})`,
    );
    return [name, { port, url, seed: JSON.parse(readFileSync(seedFile, 'utf8')) }];
  };
  const [seededPeers, seededOurs] = await Promise.all([Promise.all(peerServers.map(peerSeed)), Promise.all(PEER_DATABASES.map(oursSeed))]);
  const databases = Object.fromEntries(seededOurs);
  phases.seedSeconds = (Date.now() - phaseStarted) / 1000;

  phaseStarted = Date.now();
  log(`starting, side by side: server.mjs (ours) on ${PEER_DATABASES.map((name) => `${name} port ${databases[name].port}`).join(', ')}; the peer's next start on ${seededPeers.map((s) => `port ${s.port} (${s.config === 'cache' ? 'cookie cache' : 'default config'}, ${s.database})`).join(', ')}`);
  const [peersStarted, started] = await Promise.all([
    Promise.all(seededPeers.map(async (s) => ({ ...s, server: await startPeer(s.name, s.env, s.port) }))),
    Promise.all(Object.entries(databases).map(async ([name, d]) => [name, await startServer(`peers-${name}`, appEnv(secrets, d.url, d.port, oursEnvExtra), d.port, '/api/bench/open', 200)])),
  ]);
  const ours = {};
  for (const [name, server] of started) {
    const { seed } = databases[name];
    const single = seed.pools.single[0];
    const refreshPool = `peers-refresh-${name}`;
    await sendPool(refreshPool, seed.pools.refresh);
    ours[name] = {
      origin: server.origin,
      group: server.child.pid,
      cluster: name === 'postgres' ? postgres.clusters.peers : null,
      cookie: `${COOKIES.accessName}=${single.access}; ${COOKIES.refreshName}=${single.refresh}`,
      refreshCookie: `${COOKIES.refreshName}=${single.refresh}`,
      refreshPool,
      sessions: seed.pools.refresh.length,
    };
  }
  const peer = { plain: {}, cache: null };
  for (const s of peersStarted) {
    const base = { origin: s.server.origin, group: s.server.child.pid, cluster: s.database === 'postgres' ? postgres.clusters.peer : null, database: s.database, seed: s.seed, url: s.url };
    // The cookie-cache peer: the session cookie alone; each run takes a fresh cache cookie (freshCacheCookie).
    if (s.config === 'cache') peer.cache = { ...base, sessionCookie: s.seed.cookie.split('; ').filter((pair) => /(^|\.)session_token=/.test(pair)).join('; ') };
    else peer.plain[s.database] = { ...base, cookie: s.seed.cookie };
  }
  phases.startSeconds = (Date.now() - phaseStarted) / 1000;

  // Smoke checks: each route answers what it is measured for, with and without a session.
  for (const [name, o] of Object.entries(ours)) {
    const headers = { cookie: o.cookie };
    await expectStatus(o.origin, '/api/auth/me', {}, 401, `ours (${name}) /api/auth/me without a session`);
    await expectStatus(o.origin, '/api/bench/auth', {}, 401, `ours (${name}) /api/bench/auth without a token`);
    await expectStatus(o.origin, '/dashboard', {}, 303, `ours (${name}) /dashboard without a session`);
    await expectStatus(o.origin, '/api/auth/me', { headers }, 200, `ours (${name}) /api/auth/me`);
    await expectStatus(o.origin, '/dashboard', { headers }, 200, `ours (${name}) /dashboard`);
    await expectStatus(o.origin, '/api/bench/auth', { headers }, 200, `ours (${name}) /api/bench/auth`);
    await expectStatus(o.origin, '/bench/open', { headers }, 200, `ours (${name}) /bench/open`);
    await expectStatus(o.origin, '/api/bench/open', { headers }, 200, `ours (${name}) /api/bench/open`);
    await expectStatus(o.origin, '/api/bench/open', { method: 'POST', headers: { cookie: o.refreshCookie } }, 200, `ours (${name}) POST /api/bench/open`);
    await checkStaticApiCsp(o.origin);
    // A refresh with a session of its own (neither the pool's nor the other routes'): it rotates the refresh cookie.
    const spare = databases[name].seed.pools.smoke[0];
    const refreshed = await expectStatus(o.origin, '/api/auth/refresh', { method: 'POST', headers: { cookie: `${COOKIES.refreshName}=${spare.refresh}` } }, 200, `ours (${name}) refresh`);
    const rotated = setCookieValue(refreshed, COOKIES.refreshName);
    if (!rotated || rotated === spare.refresh) throw new Error(`smoke check: ours (${name}) refresh did not rotate the refresh cookie`);
  }
  if (ours.postgres) await checkPostgresServed(databases.postgres.url, 1);
  const peerChecks = [
    ...Object.entries(peer.plain).map(([database, p]) => [`default config, ${database}`, p]),
    ['cookie cache, sqlite', { ...peer.cache, cookie: peer.cache.sessionCookie }],
  ];
  for (const [name, p] of peerChecks) {
    await expectStatus(p.origin, '/api/protected', {}, 401, `Better Auth (${name}) /api/protected without a session`);
    await expectStatus(p.origin, '/protected', {}, 307, `Better Auth (${name}) /protected without a session`);
    const response = await fetch(`${p.origin}/api/protected`, { headers: { cookie: p.cookie } });
    const body = await response.json();
    if (response.status !== 200 || body?.user?.id !== p.seed.userId) throw new Error(`smoke check: Better Auth (${name}) /api/protected answered ${response.status} ${JSON.stringify(body)}`);
    const page = await fetch(`${p.origin}/protected`, { headers: { cookie: p.cookie } });
    if (page.status !== 200 || !(await page.text()).includes(p.seed.email)) throw new Error(`smoke check: Better Auth (${name}) /protected did not show the user`);
    await expectStatus(p.origin, '/public', {}, 200, `Better Auth (${name}) /public`);
    await expectStatus(p.origin, '/api/public', {}, 200, `Better Auth (${name}) /api/public`);
  }
  if (peer.plain.postgres) await checkPeerPostgresServed(peer.plain.postgres);
  await freshCacheCookie(peer.cache.origin, peer.cache.sessionCookie);
  log(`smoke checks passed (ours and the peer${peer.plain.postgres ? '; the PostgreSQL-backed peer\'s session is in PostgreSQL' : ''})`);

  const { comparisons, phases: measured } = await peersComparison(ours, peer);
  Object.assign(phases, measured);
  for (const server of [...Object.values(ours), ...Object.values(peer.plain), peer.cache]) await killGroup(server.group);
  return {
    versions: peerVersions(),
    prepared,
    databases: PEER_DATABASES,
    // Where Better Auth ran: the default-config peer on each database, the cookie-cache peer on SQLite.
    peerDatabases: { default: Object.keys(peer.plain), cookieCache: ['sqlite'] },
    options: { duration: PEER_DURATION, warmup: PEER_WARMUP, rounds: PEER_ROUNDS, connections: PEER_CONNECTIONS, tailTarget: PEER_TAIL_TARGET, refreshSessions: PEER_REFRESH_SESSIONS },
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg().map((n) => Number(n.toFixed(2))),
    // From the scenario's start (after our build; the peer's install and build included when they ran then).
    seconds: (Date.now() - t0) / 1000,
    phases,
    comparisons,
  };
}

// ---------------------------------------------------------------------------------------------

function writeDocs(results) {
  const docs = path.join(ROOT, 'docs');
  mkdirSync(docs, { recursive: true });
  const markdownFile = path.join(docs, 'BENCHMARKS.md');
  if (results.peers) {
    writeFileSync(path.join(docs, 'benchmarks-peers.svg'), renderPeersSvg(results));
    console.log(`\n${renderPeersTable(results)}\n`);
  }
  // The default run (peers only): only the "Against Better Auth" section changes; the rest stays from its last --all run.
  if (results.options.scenarios.every((name) => name === 'peers') && existsSync(markdownFile)) {
    writeFileSync(markdownFile, splicePeersSection(readFileSync(markdownFile, 'utf8'), peersSection(results)));
    log('wrote the "Against Better Auth" section of docs/BENCHMARKS.md and docs/benchmarks-peers.svg');
    return;
  }
  writeFileSync(markdownFile, renderMarkdown(results));
  writeFileSync(path.join(docs, 'benchmarks.svg'), renderSvg(results));
  console.log(`\n${renderTable(results)}\n`);
  log(`wrote docs/BENCHMARKS.md and docs/benchmarks.svg${results.peers ? ' and docs/benchmarks-peers.svg' : ''}`);
}

async function main() {
  mkdirSync(WORK, { recursive: true });
  if (argv['report-only']) {
    writeDocs(JSON.parse(readFileSync(RESULTS_FILE, 'utf8')));
    return;
  }
  const results = {
    machine: machine(),
    options: { runs: RUNS, loginRuns: LOGIN_RUNS, duration: DURATION, loginDuration: LOGIN_DURATION, warmup: WARMUP, connections: CONNECTIONS, loginConnections: LOGIN_CONNECTIONS, scenarios: [...only], bcryptWorkers: POOL_WORKERS ?? `default (${os.availableParallelism()})`, databases: DATABASES },
  };
  const secrets = { access: randomBytes(32).toString('hex'), refresh: randomBytes(32).toString('hex') };
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'next-token-auth-bench-'));
  const dbFile = path.join(tempDir, 'bench.db');

  if (only.has('peers')) {
    const estimate = peersEstimate(!argv['skip-build']);
    log(
      `peers will take about ${(estimate.totalSeconds / 60).toFixed(1)} min (${Math.round(estimate.totalSeconds)} s): ${estimate.buildSeconds ? `builds ~${estimate.buildSeconds} s, ` : ''}seeds and starts ~${estimate.setupSeconds} s, ` +
        `warm-up ${estimate.warmupSeconds} s, ${estimate.runs} runs ≈ ${Math.round(estimate.measureSeconds)} s`,
    );
  }
  // The peer's install and build run beside ours (both are partly single-threaded); nothing is
  // measured before both are done.
  const buildsStarted = Date.now();
  let peerSetup = null;
  if (only.has('peers')) {
    const peerSecret = randomBytes(32).toString('hex');
    const plainPort = await freePort();
    const prepared = preparePeer(peerEnv(peerSecret, plainPort, path.join(tempDir, 'peer-build.db'), false));
    // Awaited below; until then a failure must not count as unhandled.
    prepared.catch(() => {});
    peerSetup = { peerSecret, plainPort, prepared };
  }
  if (argv['skip-build'] && existsSync(path.join(ROOT, DIST_DIR, 'BUILD_ID'))) {
    log(`reusing the build in ${DIST_DIR} (--skip-build)`);
  } else {
    log(`next build (dist dir ${DIST_DIR}; log in bench/.tmp/build.log)`);
    results.buildSeconds = await build(baseEnv({ ACCESS_TOKEN_SECRET: secrets.access, REFRESH_TOKEN_SECRET: secrets.refresh }));
    log(`built in ${results.buildSeconds.toFixed(0)} s`);
  }
  if (peerSetup) await peerSetup.prepared;
  results.buildsWallSeconds = (Date.now() - buildsStarted) / 1000;

  if (only.has('verify')) results.verify = await verifyScenario();
  const port = await freePort();
  const pgPort = await freePort();
  if (NEEDS_POSTGRES) {
    const names = [
      ...(DATABASES.includes('postgres') && DATABASE_SCENARIOS.some((name) => only.has(name)) ? ['app', 'pieces'] : []),
      // `peers`: ours; `peer`: Better Auth's (default config).
      ...(only.has('peers') && PEER_DATABASES.includes('postgres') ? ['peers', 'peer'] : []),
    ];
    postgres = await provisionPostgres(names, log);
    const { source, server, version, settings, postmaster } = postgres;
    results.databases = { postgres: { source, server, version, settings, postmasterFound: postmaster.pid !== null, postmasterHow: postmaster.how } };
    log(`PostgreSQL from ${source} (${server}): ${version.split(' on ')[0]}; its processes ${postmaster.pid === null ? `not visible (${postmaster.how}): no database CPU figures` : `found: postmaster ${postmaster.pid}, ${postmaster.how}`}`);
  }
  if (only.has('pieces')) {
    const pieces = await piecesScenario(secrets, port);
    if (DATABASES.includes('sqlite')) results.pieces = pieces;
    results.databases = { ...results.databases, pieces: pieces.databases };
  }

  const needsServer = SCENARIOS.filter((name) => name !== 'verify' && name !== 'pieces' && name !== 'peers').some((name) => only.has(name));
  if (needsServer) {
    log('seeding the database through the app code (bench/seed.mjs)');
    const seedFile = path.join(tempDir, 'seed.json');
    await runToEnd(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', path.join(ROOT, 'bench', 'seed.mjs'), seedFile, 'single=1', 'smoke=1', 'refresh=1000', 'nav=200'],
      appEnv(secrets, `file:${dbFile}`, port),
      path.join(WORK, 'seed.log'),
      'bench/seed.mjs',
    );
    const seed = JSON.parse(readFileSync(seedFile, 'utf8'));
    /** The servers of the database scenarios (me, refresh), by database. */
    const servers = {};

    log(`server.mjs on port ${port} (bcrypt on worker threads, the default)`);
    const poolEnv = POOL_WORKERS === undefined ? {} : { BCRYPT_WORKERS: POOL_WORKERS };
    const server = await startServer('pool', appEnv(secrets, `file:${dbFile}`, port, { BENCH_ROUTES: '1', ...poolEnv }), port, '/api/bench/open', 200);
    serverGroup = server.child.pid;
    startLoadProcess();
    await smokeChecks(server.origin, seed);
    log('smoke checks passed');
    // The profile scenario rotates these pools too: hand them over even when their scenarios are skipped.
    await sendPool('refresh', seed.pools.refresh);
    await sendPool('nav', seed.pools.nav);
    if (DATABASES.includes('sqlite')) servers.sqlite = { origin: server.origin, seed, group: server.child.pid, cluster: null, refreshPool: 'refresh' };
    const databaseScenarios = ['me', 'refresh'].filter((name) => only.has(name));
    let pgServer = null;
    if (NEEDS_POSTGRES && databaseScenarios.length > 0) {
      // The same build, on a fresh PostgreSQL database, seeded the same way; its own port (the
      // tokens' issuer and audience are APP_ORIGIN, so each seed is for its own server).
      const pgUrl = postgres.databases.app;
      log('seeding the PostgreSQL database through the app code (bench/seed.mjs)');
      const pgSeedFile = path.join(tempDir, 'seed-postgres.json');
      await runToEnd(
        process.execPath,
        ['--conditions=react-server', '--import', 'tsx', path.join(ROOT, 'bench', 'seed.mjs'), pgSeedFile, 'single=1', 'smoke=1', 'refresh=1000'],
        appEnv(secrets, pgUrl, pgPort),
        path.join(WORK, 'seed-postgres.log'),
        'bench/seed.mjs (PostgreSQL)',
      );
      const pgSeed = JSON.parse(readFileSync(pgSeedFile, 'utf8'));
      log(`server.mjs on port ${pgPort} with DATABASE_URL on PostgreSQL (same build)`);
      pgServer = await startServer('postgres', appEnv(secrets, pgUrl, pgPort, { BENCH_ROUTES: '1', ...poolEnv }), pgPort, '/api/bench/open', 200);
      await smokeChecks(pgServer.origin, pgSeed);
      await checkPostgresServed(pgUrl);
      log('smoke checks passed on the PostgreSQL-backed server (and its rotations are in PostgreSQL)');
      await sendPool('refresh-postgres', pgSeed.pools.refresh);
      servers.postgres = { origin: pgServer.origin, seed: pgSeed, group: pgServer.child.pid, cluster: postgres.clusters.app, refreshPool: 'refresh-postgres' };
    }
    await warmServer(server.origin, seed, SERVER_WARMUP);
    if (databaseScenarios.length > 0) await warmDatabaseServers(servers, databaseScenarios);
    if (only.has('middleware')) results.middleware = await middlewareScenario(server.origin, seed);
    for (const kind of databaseScenarios) {
      const out = await databaseScenario(kind, servers);
      results.databases = { ...results.databases, [kind]: out };
      // The single-database sections read SQLite's figures.
      if (out.sqlite) results[kind] = out.sqlite;
    }
    if (pgServer) {
      await killGroup(pgServer.child.pid);
      pgServer = null;
    }
    if (only.has('navigation')) results.navigation = await navigationScenario(server.origin, seed);
    let probeRate = null;
    if (only.has('login')) {
      probeRate = await probeRateFor(server.origin, seed, results.me?.rps);
      log(`sign-ins at BCRYPT_COST=12 (${LOGIN_CONNECTIONS} connections) beside /api/auth/me probed at ${probeRate}/s: worker pool`);
      results.login = { pool: await loginScenario(server.origin, seed, probeRate) };
    }
    await killGroup(server.child.pid);
    serverGroup = null;

    if (only.has('login')) {
      // Same port, so APP_ORIGIN (the access tokens' issuer and audience) stays the same.
      log(`server.mjs on port ${port} with BCRYPT_WORKERS=0 (bcrypt on the event loop), no bench routes`);
      const serverB = await startServer('in-thread', appEnv(secrets, `file:${dbFile}`, port, { BCRYPT_WORKERS: '0' }), port, '/api/auth/me', 401);
      serverGroup = serverB.child.pid;
      const single = seed.pools.single[0];
      log('warming the server up: /api/auth/me, 8 s');
      await runJobs([cannon(serverB.origin, { path: '/api/auth/me', headers: { cookie: `${COOKIES.accessName}=${single.access}` }, duration: 8 })]);
      // Without BENCH_ROUTES the bench routes do not exist.
      await expectStatus(serverB.origin, '/api/bench/open', {}, 404, 'a bench route without BENCH_ROUTES');
      await expectStatus(serverB.origin, '/bench/plain', {}, 404, 'a bench page without BENCH_ROUTES');
      log('sign-ins again, bcrypt on the event loop');
      results.login.inThread = await loginScenario(serverB.origin, seed, probeRate);
      await killGroup(serverB.child.pid);
      serverGroup = null;
    }

    if (only.has('profile')) results.profile = await profileScenario(appEnv(secrets, `file:${dbFile}`, port, { BENCH_ROUTES: '1' }), port, Math.max(3, DURATION), seed);
  }

  if (only.has('peers')) {
    if (!loadProcess) startLoadProcess();
    results.peers = await peersScenario(secrets, peerSetup);
  }

  results.loadGeneratorCpu = { median: median(loadCpu), max: loadCpu.length ? Math.max(...loadCpu) : null };
  results.machine.loadAverageAtEnd = os.loadavg().map((n) => Number(n.toFixed(2)));
  results.totalSeconds = (Date.now() - started) / 1000;
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2));
  writeDocs(results);
  log(`done in ${results.totalSeconds.toFixed(0)} s`);
}

try {
  await main();
  await cleanup();
} catch (error) {
  console.error(`\nbench: ${error instanceof Error ? error.message : String(error)}`);
  await cleanup();
  process.exit(1);
}
