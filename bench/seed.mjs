// Seeds the benchmark's database with the app's own code (run by bench/run.mjs through tsx,
// with the same environment the server gets): one user, and sessions started exactly as a
// sign-in starts them (lib/auth/sessions.ts startSession), minus the bcrypt check. At
// BCRYPT_COST=12 a real sign-in is ~350 ms of CPU, so a thousand of them would take minutes;
// the sign-in route itself is measured separately.
//
// Usage: node --conditions=react-server --import tsx bench/seed.mjs <out.json> <pool>=<count> …
import { writeFileSync } from 'node:fs';
import { openDatabase } from '../db/client.ts';
import { insertUser } from '../db/users.ts';
import { hashPassword } from '../lib/auth/passwords.ts';
import { startSession } from '../lib/auth/sessions.ts';
import { accessTokenKeys } from '../lib/auth/tokens.ts';
import { getConfig } from '../lib/config.ts';

const [out, ...poolArgs] = process.argv.slice(2);
if (!out || poolArgs.length === 0) {
  console.error('usage: seed.mjs <out.json> <pool>=<count> …');
  process.exit(2);
}

const config = getConfig();
const db = openDatabase(config.databasePath);
const keys = await accessTokenKeys(config);
const email = 'bench@example.test';
const password = `bench-${crypto.randomUUID()}`;
const now = Date.now();
const user = insertUser(db, { id: crypto.randomUUID(), email, name: 'Bench', passwordHash: await hashPassword(password, config.bcryptCost) }, now);
if (!user) throw new Error('the benchmark user exists already: the database is not fresh');

const client = { ip: null, userAgent: 'next-token-auth-bench' };
const pools = {};
for (const arg of poolArgs) {
  const [name, count] = arg.split('=');
  pools[name] = [];
  for (let i = 0; i < Number(count); i += 1) {
    const tokens = await startSession(db, config, keys, user.id, client, now);
    pools[name].push({ access: tokens.accessToken, refresh: tokens.refreshToken });
  }
}
db.$client.close();
writeFileSync(out, JSON.stringify({ email, password, pools }));
