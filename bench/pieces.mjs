// The app's own work on its hot paths, timed in plain Node without Next.js (run by bench/run.mjs
// through tsx, against databases of its own): what a refresh and a /api/auth/me request cost
// in our code, so the server figures can be split into "ours" and "the framework's".
//
// With several database URLs (SQLite `file:…` and PostgreSQL `postgres://…`, each fresh), each
// gets its own Store, user and sessions, and the rounds are interleaved: round 1 on every
// database, then round 2, and so on, so a noisy moment hits all of them alike. Per operation it
// reports wall time (one call at a time, so for PostgreSQL it includes the round trips) and this
// process's CPU time (user + system: our code, the driver and its socket work; the database
// server's own CPU is not in it).
//
// Usage: node --conditions=react-server --import tsx bench/pieces.mjs <rounds> <seconds> [database-url …]
//        (JSON on stdout; without URLs, DATABASE_URL's database alone)
import { openStore } from './store.mjs';
import { accessTokenKeys } from '../lib/auth/access-token.ts';
import { signAccessToken } from '../lib/auth/sign-access-token.ts';
import { authenticate } from '../lib/auth/authenticate.ts';
import { cookieNames } from '../lib/auth/cookies.ts';
import { rateLimiterFor } from '../lib/auth/rate-limit.ts';
import { renewSession } from '../lib/auth/refresh.ts';
import { issueTokens, newSession } from '../lib/auth/session-tokens.ts';
import { getConfig, parseDatabaseUrl } from '../lib/config.ts';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 0.5);
const SESSIONS = 1000;

const config = getConfig();
const keys = await accessTokenKeys(config);
const client = { ip: null, userAgent: 'next-token-auth-bench' };
const names = cookieNames(config.cookieSecure);
const urls = process.argv.slice(4);
const targets = urls.length > 0 ? urls.map((url) => parseDatabaseUrl(url)) : [config.database];

/** A fresh database's Store with one user and SESSIONS sessions, and the operations timed on it. */
async function prepare(target) {
  const store = await openStore(target);
  const now = Date.now();
  const userId = crypto.randomUUID();
  const user = await store.register({ id: userId, email: 'pieces@example.test', name: null, passwordHash: 'unused' }, newSession(config, userId, 'password', client, now), [], now);
  if (!user) throw new Error('bench/pieces.mjs needs a fresh database');
  async function startSession() {
    const session = newSession(config, user.id, 'password', client, now);
    await store.insertSession(session, []);
    return issueTokens(session, 0, config, keys, now);
  }
  const sessions = [];
  for (let i = 0; i < SESSIONS; i += 1) {
    const tokens = await startSession();
    sessions.push({ id: tokens.sessionId, refresh: tokens.refreshToken, access: tokens.accessToken, generation: 0 });
  }
  // A session of its own for the bare UPDATE, so it never disturbs the rotating ones.
  const bumped = await startSession();
  let bumpedGeneration = 0;
  const deps = { store, config, keys, limits: rateLimiterFor(store) };
  const meRequest = new Request(`${config.appOrigin}/api/auth/me`, { headers: { cookie: `${names.access}=${sessions[0].access}` } });

  let next = 0;
  const pieces = {
    /** Everything the refresh route asks of lib/: token checks, SELECT, atomic UPDATE, new JWT and refresh token. */
    renewSession: async () => {
      const session = sessions[next++ % SESSIONS];
      const tokens = await renewSession(deps, session.refresh, client, Date.now());
      if (!tokens) throw new Error('renewSession refused a current token');
      session.refresh = tokens.refreshToken;
    },
    signAccessToken: async () => {
      await signAccessToken({ userId: user.id, sessionId: sessions[0].id }, keys, Date.now());
    },
    findSession: async () => {
      if (!(await store.findSession(sessions[next++ % SESSIONS].id))) throw new Error('no session');
    },
    rotateSession: async () => {
      if (!(await store.rotateSession(bumped.sessionId, bumpedGeneration, Date.now(), now + config.refreshTokenTtlMs, null))) throw new Error('rotation failed');
      bumpedGeneration += 1;
    },
    findUserById: async () => {
      if (!(await store.findUserById(user.id))) throw new Error('no user');
    },
    /** What /api/auth/me asks of lib/: the token (a cache hit after the first call), the session and the user from the database. */
    authenticate: async () => {
      const result = await authenticate(deps, meRequest, Date.now());
      if ('via' in result) throw new Error('authenticate refused a valid token');
    },
  };
  return { dialect: target.dialect, store, pieces };
}

const databases = [];
for (const target of targets) databases.push(await prepare(target));

/** Wall time and this process's CPU time per call (ms), calling `op` one at a time for `seconds`. */
async function time(op) {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const end = started + seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i += 1) await op();
    count += 16;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { ms: (performance.now() - started) / count, cpuMs: (cpu.user + cpu.system) / 1000 / count };
}

const out = {};
for (const { dialect, pieces } of databases) {
  out[dialect] = { msPerOp: Object.fromEntries(Object.keys(pieces).map((name) => [name, []])), cpuMsPerOp: Object.fromEntries(Object.keys(pieces).map((name) => [name, []])) };
  // Warm-up: one pass of every operation.
  for (const op of Object.values(pieces)) await time(op);
}
for (let round = 0; round < rounds; round += 1) {
  for (const { dialect, pieces } of databases) {
    for (const [name, op] of Object.entries(pieces)) {
      const { ms, cpuMs } = await time(op);
      out[dialect].msPerOp[name].push(ms);
      out[dialect].cpuMsPerOp[name].push(cpuMs);
    }
  }
}
for (const { store } of databases) await store.close();
// `msPerOp` at the top level: the first database's (what the single-database report reads).
process.stdout.write(JSON.stringify({ rounds, seconds, sessions: SESSIONS, msPerOp: out[databases[0].dialect].msPerOp, databases: out }));
