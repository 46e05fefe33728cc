// The app's own work on its hot paths, timed in plain Node without Next.js (run by bench/run.mjs
// through tsx, against a database of its own): what a refresh and a /api/auth/me request cost
// in our code, so the server figures can be split into "ours" and "the framework's".
//
// Usage: node --conditions=react-server --import tsx bench/pieces.mjs <rounds> <seconds>  (JSON)
import { bumpGeneration, findSession } from '../db/sessions.ts';
import { openDatabase } from '../db/client.ts';
import { insertUser } from '../db/users.ts';
import { renewSession } from '../lib/auth/account.ts';
import { authenticate } from '../lib/auth/authenticate.ts';
import { cookieNames } from '../lib/auth/cookies.ts';
import { startSession } from '../lib/auth/sessions.ts';
import { accessTokenKeys, signAccessToken } from '../lib/auth/tokens.ts';
import { getConfig } from '../lib/config.ts';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 0.5);
const SESSIONS = 1000;

const config = getConfig();
const db = openDatabase(config.databasePath);
const keys = await accessTokenKeys(config);
const client = { ip: null, userAgent: 'next-token-auth-bench' };
const now = Date.now();
const user = insertUser(db, { id: crypto.randomUUID(), email: 'pieces@example.test', name: null, passwordHash: 'unused' }, now);
if (!user) throw new Error('bench/pieces.mjs needs a fresh database');
const sessions = [];
for (let i = 0; i < SESSIONS; i += 1) {
  const tokens = await startSession(db, config, keys, user.id, client, now);
  sessions.push({ id: tokens.sessionId, refresh: tokens.refreshToken, access: tokens.accessToken, generation: 0 });
}
// A session of its own for the bare UPDATE, so it never disturbs the rotating ones.
const bumped = await startSession(db, config, keys, user.id, client, now);
let bumpedGeneration = 0;
const deps = { db, config, keys };
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
  findSession: () => {
    if (!findSession(db, sessions[next++ % SESSIONS].id)) throw new Error('no session');
  },
  bumpGeneration: () => {
    if (!bumpGeneration(db, bumped.sessionId, bumpedGeneration, Date.now(), now + config.refreshTokenTtlMs)) throw new Error('bump failed');
    bumpedGeneration += 1;
  },
  /** What /api/auth/me asks of lib/: the token (a cache hit after the first call), the session and the user from SQLite. */
  authenticate: async () => {
    const result = await authenticate(db, meRequest, config.cookieSecure, Date.now());
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
db.$client.close();
process.stdout.write(JSON.stringify({ rounds, seconds, sessions: SESSIONS, msPerOp: results }));
