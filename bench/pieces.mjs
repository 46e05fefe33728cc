// The app's own work on its hot paths, timed in plain Node without Next.js (run by bench/run.mjs
// through tsx, against a database of its own): what a refresh and a /api/auth/me request cost
// in our code, so the server figures can be split into "ours" and "the framework's".
//
// Usage: node --conditions=react-server --import tsx bench/pieces.mjs <rounds> <seconds>  (JSON)
import { getStore } from '../db/index.ts';
import { accessTokenKeys, signAccessToken } from '../lib/auth/access-token.ts';
import { authenticate } from '../lib/auth/authenticate.ts';
import { cookieNames } from '../lib/auth/cookies.ts';
import { rateLimiterFor } from '../lib/auth/rate-limit.ts';
import { renewSession } from '../lib/auth/refresh.ts';
import { issueTokens, newSession } from '../lib/auth/session-tokens.ts';
import { getConfig } from '../lib/config.ts';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 0.5);
const SESSIONS = 1000;

const config = getConfig();
const store = await getStore(config.database);
const keys = await accessTokenKeys(config);
const client = { ip: null, userAgent: 'next-token-auth-bench' };
const now = Date.now();
const userId = crypto.randomUUID();
const user = await store.register({ id: userId, email: 'pieces@example.test', name: null, passwordHash: 'unused' }, newSession(config, userId, client, now), [], now);
if (!user) throw new Error('bench/pieces.mjs needs a fresh database');
async function startSession() {
  const session = newSession(config, user.id, client, now);
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
const names = cookieNames(config.cookieSecure);
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
  /** What /api/auth/me asks of lib/: the token (a cache hit after the first call), the session and the user from the database. */
  authenticate: async () => {
    const result = await authenticate(store, meRequest, config.cookieSecure, Date.now());
    if ('via' in result) throw new Error('authenticate refused a valid token');
  },
};

async function time(op) {
  const started = performance.now();
  const end = started + seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i += 1) await op();
    count += 16;
  }
  return (performance.now() - started) / count;
}

const results = Object.fromEntries(Object.keys(pieces).map((name) => [name, []]));
for (const op of Object.values(pieces)) await time(op);
for (let round = 0; round < rounds; round += 1) {
  for (const [name, op] of Object.entries(pieces)) results[name].push(await time(op));
}
await store.close();
process.stdout.write(JSON.stringify({ rounds, seconds, sessions: SESSIONS, msPerOp: results }));
