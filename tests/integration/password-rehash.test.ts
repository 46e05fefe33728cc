/**
 * Rehash on sign-in when BCRYPT_COST was raised (checklist I43). The app runs at cost 5; a hash
 * made at cost 4 (as an older deployment would have stored it) is written straight into the
 * users table, and a successful sign-in upgrades it.
 */
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prehashPassword } from '@/lib/auth/passwords';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { T0 } from '../support/env';
import { expectError } from '../support/http';
import { GOOD_PASSWORD } from '../support/security';

let app: TestApp;

const storedHash = async (email: string): Promise<string> => (await app.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = ?', email))[0]?.password_hash ?? '';

/** Replaces a user's stored hash with one made at `cost`, as an older configuration would have. */
async function storeHashAtCost(email: string, password: string, cost: number): Promise<string> {
  const hash = await bcrypt.hash(prehashPassword(password), cost);
  await app.query('UPDATE users SET password_hash = ? WHERE email = ?', hash, email);
  expect(await storedHash(email)).toBe(hash);
  return hash;
}

const login = (email: string, password: string) => app.send('login', 'POST', { json: { email, password } });

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp({ BCRYPT_COST: '5' });
  for (const email of ['old@example.com', 'wrong@example.com', 'strong@example.com']) {
    expect((await app.signUp(email, GOOD_PASSWORD)).response.status).toBe(201);
  }
});

afterAll(() => {
  restoreClock();
});

describe('rehash when BCRYPT_COST was raised (I43)', () => {
  it('hashes new passwords at the configured cost', async () => {
    expect(await storedHash('old@example.com')).toMatch(/^\$2[aby]\$05\$/);
  });

  it('upgrades a cost-4 hash to cost 5 on a successful sign-in, and only once', async () => {
    const old = await storeHashAtCost('old@example.com', GOOD_PASSWORD, 4);
    expect(old).toMatch(/^\$2[aby]\$04\$/);
    expect((await login('old@example.com', GOOD_PASSWORD)).status).toBe(200);
    const upgraded = await storedHash('old@example.com');
    expect(upgraded).toMatch(/^\$2b\$05\$/);
    expect(await bcrypt.compare(prehashPassword(GOOD_PASSWORD), upgraded)).toBe(true);
    // The new hash works, and is not rewritten again.
    expect((await login('old@example.com', GOOD_PASSWORD)).status).toBe(200);
    expect(await storedHash('old@example.com')).toBe(upgraded);
  });

  it('does not touch the hash on a failed sign-in', async () => {
    const old = await storeHashAtCost('wrong@example.com', GOOD_PASSWORD, 4);
    await expectError(await login('wrong@example.com', 'not-the-password'), 401, 'invalid_credentials');
    expect(await storedHash('wrong@example.com')).toBe(old);
  });

  it('never lowers a higher cost', async () => {
    const strong = await storeHashAtCost('strong@example.com', GOOD_PASSWORD, 6);
    expect((await login('strong@example.com', GOOD_PASSWORD)).status).toBe(200);
    expect(await storedHash('strong@example.com')).toBe(strong);
  });
});
