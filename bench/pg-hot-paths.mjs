// The PostgreSQL store's hot paths timed alone, in plain Node: findSession + rotateSession (every
// refresh) and findUserById (every signed-in API call), each N times in sequence, against a
// scratch database created on the given server and dropped afterwards. Reports this process's CPU
// per call (process.cpuUsage: user + system, so the driver's socket work counts; the server's own
// CPU does not) and wall time, as medians of per-call samples and as total / N, next to a plain
// pg.Pool SELECT for scale. Per-call CPU samples are noisy on a busy machine: compare runs taken
// together.
//
// Usage: node --conditions=react-server --import tsx bench/pg-hot-paths.mjs [postgres-url] [N]
//        (default URL: $TEST_POSTGRES_URL; default N: 2000)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgresStore } from '../db/postgres/store.ts';

const serverUrl = process.argv[2] ?? process.env.TEST_POSTGRES_URL;
const N = Number(process.argv[3] ?? 2000);
if (!serverUrl) throw new Error('usage: bench/pg-hot-paths.mjs <postgres-url> [N] (or set TEST_POSTGRES_URL)');

const databaseName = `auth_bench_${randomBytes(4).toString('hex')}`;
const url = new URL(serverUrl);
url.pathname = `/${databaseName}`;

async function admin(text) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Runs `call` n times in sequence; per-call and total CPU and wall time in µs. */
async function measure(n, call) {
  const cpu = [];
  const wall = [];
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) {
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    await call(i);
    const w1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    cpu.push(c1.user + c1.system);
    wall.push(Number(w1 - w0) / 1000);
  }
  const totalCpu = process.cpuUsage(cpuStart);
  const totalWall = Number(process.hrtime.bigint() - wallStart) / 1000;
  return {
    cpuMedianUs: median(cpu),
    cpuMeanUs: Math.round(((totalCpu.user + totalCpu.system) / n) * 10) / 10,
    wallMedianUs: Math.round(median(wall) * 10) / 10,
    wallMeanUs: Math.round((totalWall / n) * 10) / 10,
  };
}

await admin(`CREATE DATABASE "${databaseName}"`);
const store = createPostgresStore(url.toString());
try {
  const now = Date.now();
  const userId = randomBytes(8).toString('hex');
  const session = {
    id: randomBytes(16).toString('base64url'),
    userId,
    nonce: randomBytes(32).toString('base64url'),
    generation: 0,
    rotatedAt: now,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 3_600_000,
    absoluteExpiresAt: now + 86_400_000,
    userAgent: 'bench',
    ip: '127.0.0.1',
  };
  await store.register({ id: userId, email: 'bench@example.test', name: null, passwordHash: 'unused' }, session, [], now);
  let generation = 0;
  const refresh = async () => {
    const found = await store.findSession(session.id);
    if (!found || found.generation !== generation) throw new Error('findSession');
    if (!(await store.rotateSession(session.id, generation, Date.now(), now + 3_600_000, null))) throw new Error('rotateSession');
    generation += 1;
  };
  const findSession = async () => {
    if (!(await store.findSession(session.id))) throw new Error('findSession');
  };
  const rotateSession = async () => {
    if (!(await store.rotateSession(session.id, generation, Date.now(), now + 3_600_000, null))) throw new Error('rotateSession');
    generation += 1;
  };
  const findUserById = async () => {
    if (!(await store.findUserById(userId))) throw new Error('findUserById');
  };
  // Warm up: connection, migrations, JIT.
  for (let i = 0; i < 300; i += 1) {
    await refresh();
    await findUserById();
  }
  // The driver alone, for scale: the same SELECT through a plain pg.Pool (what the store adds on top
  // of node-postgres is the difference).
  const raw = new pg.Pool({ connectionString: url.toString(), max: 1 });
  const rawSelect = async () => {
    const { rows } = await raw.query({ text: 'select id, user_id as "userId", nonce, generation from sessions where id = $1', values: [session.id] });
    if (rows.length !== 1) throw new Error('raw select');
  };
  for (let i = 0; i < 300; i += 1) await rawSelect();
  const results = {
    n: N,
    'raw pg.Pool SELECT (baseline)': await measure(N, rawSelect),
    'findSession+rotateSession': await measure(N, refresh),
    findSession: await measure(N, findSession),
    rotateSession: await measure(N, rotateSession),
    findUserById: await measure(N, findUserById),
  };
  await raw.end();
  console.log(JSON.stringify(results, null, 2));
} finally {
  await store.close();
  await admin(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
}
