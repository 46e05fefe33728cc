/**
 * Server start (lib/boot.ts, run by instrumentation.ts) of a production configuration with
 * BCRYPT_COST=10: it starts (no exit) and prints exactly one warning line naming BCRYPT_COST,
 * however often boot runs; the password hashing really uses cost 10.
 */
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { freshDatabaseUrl } from '../support/database';
import { applyEnv, baseEnv } from '../support/env';

let warn: MockInstance<typeof console.warn>;
let exit: MockInstance<typeof process.exit>;

beforeAll(async () => {
  // A mail server is set: without one, a second warning (SMTP_URL) would be printed (see boot-mail.test.ts).
  applyEnv(baseEnv({ NODE_ENV: 'production', BCRYPT_COST: '10', SMTP_URL: 'smtp://127.0.0.1:2525', DATABASE_URL: await freshDatabaseUrl() }));
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`process.exit(${String(code)})`);
  });
});

afterAll(() => {
  warn.mockRestore();
  exit.mockRestore();
});

describe('production start with BCRYPT_COST=10', () => {
  it('starts and prints one warning line naming BCRYPT_COST, once however often boot runs', async () => {
    const { boot } = await import('@/lib/boot');
    await boot();
    await boot();
    expect(exit).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    const [line] = warn.mock.calls[0] ?? [];
    expect(String(line)).toContain('BCRYPT_COST=10');
    expect(String(line)).not.toMatch(/[\r\n]/);
  });

  it('hashes at cost 10', async () => {
    const { getConfig } = await import('@/lib/config');
    const { hashPassword } = await import('@/lib/auth/passwords');
    const hash = await hashPassword('amber-walrus-lantern-4821', getConfig().bcryptCost);
    expect(hash).toMatch(/^\$2[aby]\$10\$/);
  });
});
