// Seeds the benchmark's database with the app's own code (run by bench/run.mjs through tsx,
// with the same environment the server gets, on either database): one user, and sessions started
// exactly as a sign-in starts them (lib/auth/session-tokens.ts), minus the bcrypt check. At
// BCRYPT_COST=12 a real sign-in is ~350 ms of CPU, so a thousand of them would take minutes;
// the sign-in route itself is measured separately.
//
// Usage: node --conditions=react-server --import tsx bench/seed.mjs <out.json> <pool>=<count> …
import { writeFileSync } from 'node:fs';
import { openStore } from './store.mjs';
import { accessTokenKeys } from '../lib/auth/access-token.ts';
import { hashPassword } from '../lib/auth/passwords.ts';
import { issueTokens, newSession } from '../lib/auth/session-tokens.ts';
import { getConfig } from '../lib/config.ts';

const [out, ...poolArgs] = process.argv.slice(2);
if (!out || poolArgs.length === 0) {
  console.error('usage: seed.mjs <out.json> <pool>=<count> …');
  process.exit(2);
}

const config = getConfig();
const store = await openStore(config.database);
const keys = await accessTokenKeys(config);
const email = 'bench@example.test';
const password = `bench-${crypto.randomUUID()}`;
const now = Date.now();
const client = { ip: null, userAgent: 'next-token-auth-bench' };
const userId = crypto.randomUUID();
const user = await store.register({ id: userId, email, name: 'Bench', passwordHash: await hashPassword(password, config.bcryptCost) }, newSession(config, userId, 'password', client, now), [], now);
if (!user) throw new Error('the benchmark user exists already: the database is not fresh');

const pools = {};
for (const arg of poolArgs) {
  const [name, count] = arg.split('=');
  pools[name] = [];
  for (let i = 0; i < Number(count); i += 1) {
    const session = newSession(config, user.id, 'password', client, now);
    await store.insertSession(session, []);
    const tokens = await issueTokens(session, 0, config, keys, now);
    pools[name].push({ access: tokens.accessToken, refresh: tokens.refreshToken });
  }
}
await store.close();
writeFileSync(out, JSON.stringify({ email, password, pools }));
