/**
 * Server start (lib/boot.ts) with ACCESS_TOKEN_PRIVATE_KEYS whose first key's public member `x` is
 * another key's: lib/config.ts cannot see that (it is edge-safe and does no cryptography), so boot
 * must: it prints one line naming the variable and the kid, no key material, and exits.
 */
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { freshDatabaseUrl } from '../support/database';
import { applyEnv, baseEnv } from '../support/env';
import { newSigningJwk, signingEnv } from '../support/signing-keys';

let error: MockInstance<typeof console.error>;
let exit: MockInstance<typeof process.exit>;
let good: Record<string, string>;
let other: Record<string, string>;

beforeAll(async () => {
  [good, other] = await Promise.all([newSigningJwk('EdDSA', 'current'), newSigningJwk('EdDSA', 'other')]);
  applyEnv(baseEnv({ DATABASE_URL: await freshDatabaseUrl(), ...signingEnv('EdDSA', [{ ...good, x: other.x }]) }));
  error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`process.exit(${String(code)})`);
  });
});

afterAll(() => {
  error.mockRestore();
  exit.mockRestore();
});

describe('start with a private key that does not match its public member', () => {
  it('exits with one line naming ACCESS_TOKEN_PRIVATE_KEYS and the kid, and no key material', async () => {
    const { boot } = await import('@/lib/boot');
    await expect(boot()).rejects.toThrow('process.exit(1)');
    expect(exit).toHaveBeenCalledWith(1);
    const printed = error.mock.calls.map((call) => String(call[0])).join('\n');
    expect(printed).toContain('ACCESS_TOKEN_PRIVATE_KEYS');
    expect(printed).toContain('"current"');
    for (const secret of [good.d, good.x, other.x]) expect(printed).not.toContain(secret);
  });
});
