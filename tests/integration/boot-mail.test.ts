/**
 * A production start without SMTP_URL (contract "Configuration"): the server starts and prints
 * exactly one warning line naming SMTP_URL, however often boot runs; with SMTP_URL, none.
 */
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { freshDatabaseUrl } from '../support/database';
import { applyEnv, baseEnv } from '../support/env';

let warn: MockInstance<typeof console.warn>;
let exit: MockInstance<typeof process.exit>;

beforeAll(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`process.exit(${String(code)})`);
  });
});

afterAll(() => {
  warn.mockRestore();
  exit.mockRestore();
});

describe('production start and SMTP_URL', () => {
  it('without SMTP_URL: starts and prints one warning line naming SMTP_URL, once however often boot runs', async () => {
    applyEnv(baseEnv({ NODE_ENV: 'production', BCRYPT_COST: '12', SMTP_URL: undefined, DATABASE_URL: await freshDatabaseUrl() }));
    const { boot } = await import('@/lib/boot');
    await boot();
    await boot();
    expect(exit).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).toContain('SMTP_URL');
    expect(line).not.toMatch(/[\r\n]/);
  });

  it('with SMTP_URL: no warning, and the URL (with its password) is never echoed by a configuration error', async () => {
    vi.resetModules();
    warn.mockClear();
    applyEnv(baseEnv({ NODE_ENV: 'production', BCRYPT_COST: '12', SMTP_URL: 'smtps://mailer:s3cret-mail-pass@smtp.example.com:465', DATABASE_URL: await freshDatabaseUrl() }));
    const { boot } = await import('@/lib/boot');
    await boot();
    expect(warn).not.toHaveBeenCalled();

    const { parseConfig, ConfigError } = await import('@/lib/config');
    const bad = () => parseConfig(baseEnv({ SMTP_URL: 'http://mailer:s3cret-mail-pass@smtp.example.com' }));
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/SMTP_URL must be smtp:\/\//);
    expect(bad).not.toThrow(/s3cret/);
  });
});
