import bcrypt from 'bcryptjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, prehashPassword, verifyAgainstDummy, verifyPassword } from '@/lib/auth/passwords';

const COST = 4;

describe('hashPassword and verifyPassword', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword('correct horse battery staple', COST);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('compares exactly: no trimming, no case folding', async () => {
    expect(await verifyPassword('correct horse battery staple ', hash)).toBe(false);
    expect(await verifyPassword(' correct horse battery staple', hash)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', hash)).toBe(false);
  });

  it('stores a bcrypt hash at the given cost, salted', async () => {
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(bcrypt.getRounds(hash)).toBe(COST);
    expect(await hashPassword('correct horse battery staple', COST)).not.toBe(hash);
  });
});

describe("bcrypt's 72-byte limit", () => {
  it.each([
    ['ASCII, 72-byte prefix', 'x'.repeat(72)],
    ['ASCII, 100-byte prefix', 'p'.repeat(100)],
    ['3-byte characters, 72-byte prefix', '€'.repeat(24)],
    ['4-byte characters, 76-byte prefix', '😀'.repeat(19)],
  ])('two passwords sharing a %s do not verify for each other', async (_name, prefix) => {
    const hash = await hashPassword(`${prefix}A`, COST);
    expect(await verifyPassword(`${prefix}A`, hash)).toBe(true);
    expect(await verifyPassword(`${prefix}B`, hash)).toBe(false);
    expect(await verifyPassword(prefix, hash)).toBe(false);
  });

  it('works for 64 emoji (256 bytes) and notices the last one changing', async () => {
    const password = '😀'.repeat(63) + '🔑';
    const hash = await hashPassword(password, COST);
    expect(await verifyPassword(password, hash)).toBe(true);
    expect(await verifyPassword('😀'.repeat(63) + '🔒', hash)).toBe(false);
    expect(await verifyPassword('😀'.repeat(64), hash)).toBe(false);
  });

  it('never hands bcrypt more than 72 bytes', () => {
    for (const password of ['short', 'x'.repeat(128), '😀'.repeat(128), '\u0000'.repeat(10)]) {
      const input = prehashPassword(password);
      expect(Buffer.byteLength(input, 'utf8')).toBeLessThanOrEqual(72);
      expect(bcrypt.truncates(input)).toBe(false);
      expect(input).not.toContain('\u0000');
    }
  });
});

describe('Unicode normalisation', () => {
  const nfc = 'Ångström café naïve'.normalize('NFC');
  const nfd = nfc.normalize('NFD');

  it('treats the NFC and NFD forms of a password as the same password', async () => {
    expect(nfc).not.toBe(nfd);
    const fromNfc = await hashPassword(nfc, COST);
    expect(await verifyPassword(nfd, fromNfc)).toBe(true);
    const fromNfd = await hashPassword(nfd, COST);
    expect(await verifyPassword(nfc, fromNfd)).toBe(true);
  });

  it('still tells different letters apart', async () => {
    const hash = await hashPassword(nfc, COST);
    expect(await verifyPassword('Angstrom cafe naive', hash)).toBe(false);
  });
});

describe('needsRehash', () => {
  it('is true only when the configured cost is higher than the hash cost', async () => {
    const hash = await hashPassword('some long password', COST);
    expect(needsRehash(hash, COST)).toBe(false);
    expect(needsRehash(hash, COST - 1)).toBe(false);
    expect(needsRehash(hash, COST + 1)).toBe(true);
    expect(needsRehash(hash, 12)).toBe(true);
  });
});

describe('verifyAgainstDummy', () => {
  it('always returns false, whatever the password', async () => {
    for (const password of ['', 'password', 'correct horse battery staple', '😀'.repeat(64)]) {
      expect(await verifyAgainstDummy(password, COST)).toBe(false);
    }
  });
});
