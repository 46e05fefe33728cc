// Access-token verification in plain Node, operations per second (run by bench/run.mjs through
// tsx, so it measures the app's real lib/auth/access-token.ts, not a copy):
//   - ours, first sight of each token (distinct tokens, a fresh verifier: every call verifies),
//   - ours, a token seen before (the verified-token cache: a Map lookup and the clock checks),
//   - jose's jwtVerify alone with the same pre-imported CryptoKey (what our miss path calls),
//   - jsonwebtoken the seeds' way (a string secret, so a key is derived on every call),
//   - jsonwebtoken at its best (a KeyObject made once with crypto.createSecretKey).
// Each figure is the median of several timed rounds after a warm-up. Async verifiers run with
// a window of requests in flight, as a server runs them.
//
// Usage: node --conditions=react-server --import tsx bench/verify.mjs <rounds> <seconds per round>  (prints JSON)
import { createSecretKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP, CLOCK_TOLERANCE_S, accessTokenKeys, createAccessTokenVerifier } from '../lib/auth/access-token.ts';
import { signAccessToken } from '../lib/auth/sign-access-token.ts';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 0.5);
const IN_FLIGHT = Number(process.argv[4] ?? 16);
const DISTINCT = 5_000;

const secret = (await import('node:crypto')).randomBytes(32).toString('hex');
const origin = 'http://127.0.0.1:3000';
const keys = await accessTokenKeys({ accessTokenSecret: secret, appOrigin: origin, accessTokenTtlMs: 15 * 60_000 });
const now = Date.now();
const tokens = [];
for (let i = 0; i < DISTINCT; i += 1) {
  const sessionId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  tokens.push((await signAccessToken({ userId: crypto.randomUUID(), sessionId }, keys, now)).token);
}
const keyObject = createSecretKey(Buffer.from(secret, 'utf8'));
const jwtOptions = { algorithms: [ACCESS_TOKEN_ALG], issuer: origin, audience: origin, clockTolerance: CLOCK_TOLERANCE_S, maxAge: '900s' };
const joseOptions = { algorithms: [ACCESS_TOKEN_ALG], typ: ACCESS_TOKEN_TYP, issuer: origin, audience: origin, clockTolerance: CLOCK_TOLERANCE_S, maxTokenAge: '900s' };

/** Runs `op(i)` (sync) for `seconds`; ops per second. */
function timeSync(op) {
  const end = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 64; i += 1) op(count++);
  }
  return count / ((performance.now() - started) / 1000);
}

/** Runs `op(i)` (async) with IN_FLIGHT calls outstanding for `seconds`; ops per second. */
async function timeAsync(op) {
  const started = performance.now();
  const end = started + seconds * 1000;
  let count = 0;
  const lane = async () => {
    while (performance.now() < end) await op(count++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return count / ((performance.now() - started) / 1000);
}

function check(ok, what) {
  if (!ok) throw new Error(`verification failed in the micro-benchmark: ${what}`);
}

let verifier = createAccessTokenVerifier(keys);
let served = 0;
const variants = {
  oursMiss: async () => {
    // A fresh verifier per pass over the tokens: every call is a first sight, never a cache hit.
    const index = served++ % DISTINCT;
    if (index === 0) verifier = createAccessTokenVerifier(keys);
    check((await verifier(tokens[index], now)).ok, 'ours (miss)');
  },
  oursHit: async () => check((await hitVerifier(tokens[0], now)).ok, 'ours (hit)'),
  jose: async (i) => check((await jwtVerify(tokens[i % DISTINCT], keys.key, { ...joseOptions, currentDate: new Date(now) })).payload.sub !== undefined, 'jose'),
  jsonwebtokenString: (i) => check(typeof jwt.verify(tokens[i % DISTINCT], secret, jwtOptions) === 'object', 'jsonwebtoken (string)'),
  jsonwebtokenKeyObject: (i) => check(typeof jwt.verify(tokens[i % DISTINCT], keyObject, jwtOptions) === 'object', 'jsonwebtoken (KeyObject)'),
};
const hitVerifier = createAccessTokenVerifier(keys);
const asyncVariants = new Set(['oursMiss', 'oursHit', 'jose']);

const results = {};
for (const name of Object.keys(variants)) results[name] = [];
// Warm-up: every variant once, so the JIT has seen them all before any round is timed.
for (const [name, op] of Object.entries(variants)) {
  if (asyncVariants.has(name)) await timeAsync(op);
  else timeSync(op);
}
// Rounds interleave the variants, so a noisy moment hits all of them alike.
for (let round = 0; round < rounds; round += 1) {
  for (const [name, op] of Object.entries(variants)) {
    results[name].push(asyncVariants.has(name) ? await timeAsync(op) : timeSync(op));
  }
}
process.stdout.write(JSON.stringify({ rounds, seconds, inFlight: IN_FLIGHT, distinctTokens: DISTINCT, opsPerSecond: results }));
