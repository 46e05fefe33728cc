import { describe, expect, it } from 'vitest';
import { ipNetwork, deviceKey } from '@/lib/auth/devices';
import { linkTokenId, linkUrl, newLinkToken } from '@/lib/auth/link-tokens';
import { formatDuration } from '@/lib/duration';
import { REFRESH_SECRET } from '../support/env';

const OTHER_SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const user = { id: 'user-1', email: 'ada@example.com' };

describe('link tokens (checklist O59)', () => {
  it('are 256 random bits, base64url, and the stored id is a MAC of kind and token, never the token', () => {
    const { token, record } = newLinkToken(REFRESH_SECRET, 'password_reset', user, 1_000, 30 * 60_000);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(record).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), userId: 'user-1', kind: 'password_reset', email: 'ada@example.com', next: null, createdAt: 1_000, expiresAt: 1_000 + 30 * 60_000 });
    expect(record.id).not.toBe(token);
    expect(linkTokenId(REFRESH_SECRET, 'password_reset', token)).toBe(record.id);
  });

  it('a sign-in link carries the `next` it was given in its record (stored), never in its token', () => {
    const { token, record } = newLinkToken(REFRESH_SECRET, 'magic_link', user, 1_000, 15 * 60_000, '/authorize?client_id=app');
    expect(record.next).toBe('/authorize?client_id=app');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a token of one kind never names a link of another, nor under another server secret', () => {
    const { token, record } = newLinkToken(REFRESH_SECRET, 'password_reset', user, 0, 1);
    expect(linkTokenId(REFRESH_SECRET, 'email_verification', token)).not.toBe(record.id);
    expect(linkTokenId(OTHER_SECRET, 'password_reset', token)).not.toBe(record.id);
  });

  it('never repeats', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newLinkToken(REFRESH_SECRET, 'email_verification', user, 0, 1).token));
    expect(tokens.size).toBe(1000);
  });

  it('refuses anything not shaped like a token: wrong length, alphabet, padding, non-canonical last character', () => {
    const { token } = newLinkToken(REFRESH_SECRET, 'password_reset', user, 0, 1);
    for (const bad of ['', 'x', `${token}=`, `${token}A`, token.slice(1), token.replace(/.$/, '+'), ' '.repeat(43), 'A'.repeat(42) + 'B']) {
      expect(linkTokenId(REFRESH_SECRET, 'password_reset', bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('links are absolute on APP_ORIGIN', () => {
    expect(linkUrl('https://auth.example.com', '/reset-password', 'abc_-')).toBe('https://auth.example.com/reset-password?token=abc_-');
  });
});

describe('device recognition', () => {
  it('IP networks: IPv4 /24, IPv6 /48, IPv4-mapped as IPv4, unknown otherwise', () => {
    expect(ipNetwork('203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipNetwork('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipNetwork('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(ipNetwork('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(ipNetwork(null)).toBe('unknown');
    expect(ipNetwork('not-an-ip')).toBe('unknown');
  });

  it('the device key ignores browser versions and the host part of the address', () => {
    const chrome = (v: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`;
    expect(deviceKey({ userAgent: chrome(140), ip: '192.0.2.1' })).toBe(deviceKey({ userAgent: chrome(141), ip: '192.0.2.200' }));
    expect(deviceKey({ userAgent: chrome(140), ip: '192.0.2.1' })).not.toBe(deviceKey({ userAgent: chrome(140), ip: '192.0.3.1' }));
    expect(deviceKey({ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0', ip: '192.0.2.1' })).not.toBe(deviceKey({ userAgent: chrome(140), ip: '192.0.2.1' }));
  });
});

describe('formatDuration', () => {
  it('says a link lifetime in words', () => {
    expect(formatDuration(30 * 60_000)).toBe('30 minutes');
    expect(formatDuration(24 * 3_600_000)).toBe('24 hours');
    expect(formatDuration(7 * 24 * 3_600_000)).toBe('7 days');
    expect(formatDuration(60_000)).toBe('1 minute');
    expect(formatDuration(90_000)).toBe('90 seconds');
  });
});
