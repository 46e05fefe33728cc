/**
 * The benchmark's scripts that call the app's own code (bench/seed.mjs, bench/pieces.mjs, bench/verify.mjs) still run
 * against it. They are plain .mjs, outside the type check, and `npm run bench` is not part of
 * `npm test`: a changed signature (newSession's sign-in method, authenticate's deps) broke both
 * unnoticed until the next bench run, and signAccessToken's move to sign-access-token.ts broke
 * verify.mjs the same way. Each runs here once, briefly (seed and pieces on a fresh SQLite file).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const run = promisify(execFile);
const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-scripts-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The environment bench/run.mjs gives these scripts, with a database of the test's own. */
function env(database: string): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  delete inherited.ACCESS_TOKEN_SIGNING;
  delete inherited.ACCESS_TOKEN_PRIVATE_KEYS;
  return {
    ...inherited,
    NODE_ENV: 'production',
    DATABASE_URL: `file:${path.join(folder, database)}`,
    ACCESS_TOKEN_SECRET: randomBytes(32).toString('hex'),
    REFRESH_TOKEN_SECRET: randomBytes(32).toString('hex'),
    APP_ORIGIN: 'http://localhost:3000',
    COOKIE_SECURE: 'false',
    BCRYPT_COST: '4',
  };
}

const NODE_ARGS = ['--conditions=react-server', '--import', 'tsx'];

test('bench/seed.mjs seeds a user and the asked-for pools of signed-in sessions', async () => {
  const out = path.join(folder, 'seed.json');
  await run(process.execPath, [...NODE_ARGS, 'bench/seed.mjs', out, 'a=2', 'b=1'], { env: env('seed.db') });
  const seeded = JSON.parse(readFileSync(out, 'utf8')) as { email: string; pools: Record<string, { access: string; refresh: string }[]> };
  expect(seeded.email).toBe('bench@example.test');
  expect(Object.keys(seeded.pools)).toStrictEqual(['a', 'b']);
  expect(seeded.pools.a).toHaveLength(2);
  for (const { access, refresh } of [...(seeded.pools.a ?? []), ...(seeded.pools.b ?? [])]) {
    expect(access.split('.')).toHaveLength(3);
    expect(refresh.length).toBeGreaterThan(40);
  }
}, 60_000);

test('bench/pieces.mjs times every piece and prints one JSON line', async () => {
  const { stdout } = await run(process.execPath, [...NODE_ARGS, 'bench/pieces.mjs', '1', '0.02'], { env: env('pieces.db') });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { msPerOp: Record<string, number[]> };
  expect(Object.keys(result.msPerOp).sort()).toStrictEqual(['authenticate', 'findSession', 'findUserById', 'renewSession', 'rotateSession', 'signAccessToken']);
  for (const times of Object.values(result.msPerOp)) expect(times.every((ms) => ms > 0)).toBe(true);
}, 60_000);

test('bench/verify.mjs times every verifier and prints one JSON line', async () => {
  const { stdout } = await run(process.execPath, [...NODE_ARGS, 'bench/verify.mjs', '1', '0.02'], { env: env('verify.db') });
  const result = JSON.parse(stdout.trim()) as { opsPerSecond: Record<string, number[]> };
  expect(Object.keys(result.opsPerSecond).sort()).toStrictEqual(['jose', 'jsonwebtokenKeyObject', 'jsonwebtokenString', 'oursHit', 'oursMiss']);
  for (const rates of Object.values(result.opsPerSecond)) expect(rates.every((rate) => rate > 0)).toBe(true);
}, 60_000);
