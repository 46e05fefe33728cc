/**
 * TOTP (checklist 63): the library against RFC 6238's own test vectors, our 6-digit wrapper with
 * its drift window and replay rule, secrets sealed at rest, and recovery codes stored as MACs.
 */
import { generate, ScureBase32Plugin } from 'otplib';
import { describe, expect, it } from 'vitest';
import { newRecoveryCodes, normaliseRecoveryCode, recoveryCodeHash, RECOVERY_CODE_COUNT } from '@/lib/auth/recovery-codes';
import { newTotpSecret, totpUri, verifyTotp } from '@/lib/auth/totp';
import { openTotpSecret, sealTotpSecret } from '@/lib/auth/totp-secret';
import { REFRESH_SECRET } from '../support/env';

const OTHER_SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** RFC 6238 Appendix B: the SHA-1 column, seed "12345678901234567890", 8 digits, 30 s steps. */
const RFC_6238_SHA1: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

/** A code of `secret` at `atMs` (as an authenticator app computes it). */
const codeAt = (secret: string, atMs: number) => generate({ secret, epoch: Math.floor(atMs / 1000) });

/** 2026-01-15T00:00:10Z: 10 s into a step. */
const NOW = Date.UTC(2026, 0, 15, 0, 0, 10);
const STEP = Math.floor(NOW / 30_000);

describe('RFC 6238 test vectors (Appendix B, SHA-1)', () => {
  const seed = new TextEncoder().encode('12345678901234567890');
  for (const [time, expected] of RFC_6238_SHA1) {
    it(`T = ${time} gives ${expected}`, async () => {
      expect(await generate({ secret: seed, epoch: time, digits: 8, algorithm: 'sha1', period: 30 })).toBe(expected);
    });
  }

  it('our 6-digit wrapper reads the same codes (the last 6 digits of the 8-digit values)', async () => {
    // HOTP truncation is mod 10^digits, so the 6-digit code is the 8-digit one's last six digits.
    const base32 = new ScureBase32Plugin().encode(seed);
    for (const [time, expected] of RFC_6238_SHA1) {
      expect(await verifyTotp(base32, expected.slice(2), time * 1000, null)).toBe(Math.floor(time / 30));
    }
  });
});

describe('verifyTotp', () => {
  const secret = newTotpSecret();

  it('secrets are 160 random bits in Base32', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(new Set(Array.from({ length: 100 }, () => newTotpSecret())).size).toBe(100);
  });

  it('accepts the current code, and one step of drift either way, returning the code’s own step', async () => {
    expect(await verifyTotp(secret, await codeAt(secret, NOW), NOW, null)).toBe(STEP);
    expect(await verifyTotp(secret, await codeAt(secret, NOW - 30_000), NOW, null)).toBe(STEP - 1);
    expect(await verifyTotp(secret, await codeAt(secret, NOW + 30_000), NOW, null)).toBe(STEP + 1);
  });

  it('refuses two steps of drift either way', async () => {
    expect(await verifyTotp(secret, await codeAt(secret, NOW - 60_000), NOW, null)).toBeNull();
    expect(await verifyTotp(secret, await codeAt(secret, NOW + 60_000), NOW, null)).toBeNull();
  });

  it('refuses a replay: a step at or before the last accepted one', async () => {
    const code = await codeAt(secret, NOW);
    expect(await verifyTotp(secret, code, NOW, STEP - 1)).toBe(STEP);
    expect(await verifyTotp(secret, code, NOW, STEP)).toBeNull();
    expect(await verifyTotp(secret, await codeAt(secret, NOW - 30_000), NOW, STEP)).toBeNull();
    // A later step is still fine after an earlier one was used.
    expect(await verifyTotp(secret, await codeAt(secret, NOW + 30_000), NOW, STEP)).toBe(STEP + 1);
  });

  it('refuses other secrets’ codes and anything not 6 digits, without throwing', async () => {
    const code = await codeAt(secret, NOW);
    expect(await verifyTotp(newTotpSecret(), code, NOW, null)).toBeNull();
    for (const bad of ['', '12345', '1234567', 'abcdef', ` ${code}`, `${code}\n`, '１２３４５６']) {
      expect(await verifyTotp(secret, bad, NOW, null), JSON.stringify(bad)).toBeNull();
    }
  });

  it('the otpauth URI names issuer, account, SHA-1, 6 digits and 30 s', () => {
    const uri = new URL(totpUri('auth.example.com', 'ada@example.com', secret));
    expect(uri.href).toMatch(/^otpauth:\/\/totp\/auth\.example\.com:ada%40example\.com\?/);
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret, issuer: 'auth.example.com' });
    expect(uri.searchParams.get('algorithm') ?? 'SHA1').toBe('SHA1');
    expect(uri.searchParams.get('digits') ?? '6').toBe('6');
    expect(uri.searchParams.get('period') ?? '30').toBe('30');
  });
});

describe('sealed TOTP secrets', () => {
  it('the stored form is not the secret, opens only with the same server secret and user, and is fresh each time', () => {
    const secret = newTotpSecret();
    const sealed = sealTotpSecret(REFRESH_SECRET, 'user-1', secret);
    expect(sealed).not.toContain(secret);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(openTotpSecret(REFRESH_SECRET, 'user-1', sealed)).toBe(secret);
    expect(openTotpSecret(OTHER_SECRET, 'user-1', sealed)).toBeNull();
    expect(openTotpSecret(REFRESH_SECRET, 'user-2', sealed)).toBeNull();
    expect(sealTotpSecret(REFRESH_SECRET, 'user-1', secret)).not.toBe(sealed);
  });

  it('a tampered or malformed sealed secret does not open (and does not throw)', () => {
    const sealed = sealTotpSecret(REFRESH_SECRET, 'user-1', newTotpSecret());
    const [v, iv, body = ''] = sealed.split('.');
    const flipped = `${v}.${iv}.${(body[0] === 'A' ? 'B' : 'A') + body.slice(1)}`;
    for (const bad of [flipped, '', 'v1', 'v2.x.y', `${v}.${iv}`, `${v}..${body}`, `${v}.${iv}.AAAA`]) {
      expect(openTotpSecret(REFRESH_SECRET, 'user-1', bad), bad).toBeNull();
    }
  });
});

describe('recovery codes', () => {
  it('10 distinct codes of 10 Base32 characters (50 bits) in two groups', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
  });

  it('are compared in one form: case, spaces and hyphens do not matter; anything else is refused', () => {
    expect(normaliseRecoveryCode(' ABCDE-fgh23 ')).toBe('abcdefgh23');
    expect(normaliseRecoveryCode('abcde fgh23')).toBe('abcdefgh23');
    for (const bad of ['', 'abcde-fgh2', 'abcde-fgh234', 'abcde-fgh21', 'abcde_fgh23', 'ábcde-fgh23']) expect(normaliseRecoveryCode(bad), bad).toBeNull();
  });

  it('the stored form is a MAC bound to the user and the server secret, never the code', () => {
    const [code = ''] = newRecoveryCodes();
    const hash = recoveryCodeHash(REFRESH_SECRET, 'user-1', code);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(code.replace('-', ''));
    expect(recoveryCodeHash(REFRESH_SECRET, 'user-1', code.toUpperCase().replace('-', ' '))).toBe(hash);
    expect(recoveryCodeHash(REFRESH_SECRET, 'user-2', code)).not.toBe(hash);
    expect(recoveryCodeHash(OTHER_SECRET, 'user-1', code)).not.toBe(hash);
    expect(recoveryCodeHash(REFRESH_SECRET, 'user-1', 'not a code')).toBeNull();
  });
});
