import { describe, expect, it } from 'vitest';
import { isAuthentic, judgeRefreshToken, mintRefreshToken, newSessionSecrets, parseRefreshToken, type ParsedRefreshToken } from '@/lib/auth/refresh-token';
import { ACCESS_SECRET, DAY, HOUR, REFRESH_SECRET, SECOND, T0 } from '../support/env';
import { nonCanonical } from '../support/jwt';

const REUSE_MS = 10 * SECOND;
const { sessionId, nonce } = newSessionSecrets();
const SESSION = { id: sessionId, nonce };

function parsed(generation: number, secret = REFRESH_SECRET, session = SESSION): ParsedRefreshToken {
  const token = parseRefreshToken(mintRefreshToken(secret, session, generation));
  if (!token) throw new Error('minted token did not parse');
  return token;
}

/** A session row at generation 3, rotated at T0, idle expiry T0 + 7 d, absolute T0 + 30 d. */
function row(overrides: Partial<{ generation: number; rotatedAt: number; expiresAt: number; absoluteExpiresAt: number; revokedAt: number | null; nonce: string }> = {}) {
  return { nonce, generation: 3, rotatedAt: T0, expiresAt: T0 + 7 * DAY, absoluteExpiresAt: T0 + 30 * DAY, revokedAt: null, ...overrides };
}

const judge = (token: ParsedRefreshToken, session = row(), now = T0 + SECOND) => judgeRefreshToken(REFRESH_SECRET, token, session, REUSE_MS, now);

describe('newSessionSecrets', () => {
  it('makes a 128-bit session id and a 256-bit nonce, different every time', () => {
    const a = newSessionSecrets();
    const b = newSessionSecrets();
    expect(a.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(a.nonce, 'base64url')).toHaveLength(32);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.nonce).not.toBe(b.nonce);
  });
});

describe('mint and parse', () => {
  it('round-trips session id, generation and a 256-bit MAC', () => {
    for (const generation of [0, 1, 7, 123_456_789]) {
      const token = mintRefreshToken(REFRESH_SECRET, SESSION, generation);
      const result = parseRefreshToken(token);
      expect(result).not.toBeNull();
      expect(result?.sessionId).toBe(sessionId);
      expect(result?.generation).toBe(generation);
      expect(result?.mac).toHaveLength(32);
      if (result) expect(isAuthentic(REFRESH_SECRET, result, nonce)).toBe(true);
    }
  });

  it('is deterministic per (secret, session, generation) and differs otherwise', () => {
    const token = mintRefreshToken(REFRESH_SECRET, SESSION, 1);
    expect(mintRefreshToken(REFRESH_SECRET, SESSION, 1)).toBe(token);
    expect(mintRefreshToken(REFRESH_SECRET, SESSION, 2)).not.toBe(token);
    expect(mintRefreshToken(ACCESS_SECRET, SESSION, 1)).not.toBe(token);
    expect(mintRefreshToken(REFRESH_SECRET, { id: sessionId, nonce: newSessionSecrets().nonce }, 1)).not.toBe(token);
  });

  it('never contains the nonce (a database copy cannot mint tokens)', () => {
    expect(mintRefreshToken(REFRESH_SECRET, SESSION, 0)).not.toContain(nonce);
  });

  it('is not authentic under another secret or nonce', () => {
    const token = parsed(2);
    expect(isAuthentic(ACCESS_SECRET, token, nonce)).toBe(false);
    expect(isAuthentic(REFRESH_SECRET, token, newSessionSecrets().nonce)).toBe(false);
  });

  it('refuses a non-canonical MAC encoding', () => {
    const token = mintRefreshToken(REFRESH_SECRET, SESSION, 0);
    const [id, generation, mac = ''] = token.split('.');
    expect(parseRefreshToken(`${id}.${generation}.${nonCanonical(mac)}`)).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-token'],
    ['two parts', `${sessionId}.0`],
    ['four parts', `${sessionId}.0.${'A'.repeat(43)}.x`],
    ['leading zero generation', `${sessionId}.01.${'A'.repeat(43)}`],
    ['negative generation', `${sessionId}.-1.${'A'.repeat(43)}`],
    ['ten-digit generation', `${sessionId}.1234567890.${'A'.repeat(43)}`],
    ['short session id', `${sessionId.slice(1)}.0.${'A'.repeat(43)}`],
    ['short MAC', `${sessionId}.0.${'A'.repeat(42)}`],
    ['padded MAC', `${sessionId}.0.${'A'.repeat(43)}=`],
    ['standard base64', `${sessionId}.0.${'+'.repeat(43)}`],
    ['whitespace', ` ${sessionId}.0.${'A'.repeat(43)}`],
    ['unicode', `${sessionId}.0.${'é'.repeat(43)}`],
    ['an access JWT', 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dQ'],
  ])('refuses %s', (_name, token) => {
    expect(parseRefreshToken(token)).toBeNull();
  });

  it('refuses a minted token with any character changed', () => {
    const token = mintRefreshToken(REFRESH_SECRET, SESSION, 3);
    for (let i = 0; i < token.length; i += 1) {
      const swapped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      const result = parseRefreshToken(swapped);
      // Either it no longer parses, or it is no longer authentic for this session's current generation.
      if (result) expect(judge(result).kind, `position ${i}`).not.toBe('rotate');
    }
  });
});

describe('judgeRefreshToken', () => {
  it('rotates the current generation', () => {
    expect(judge(parsed(3))).toEqual({ kind: 'rotate' });
  });

  it('gives the previous generation the grace window, up to and including the interval', () => {
    expect(judge(parsed(2), row(), T0)).toEqual({ kind: 'grace' });
    expect(judge(parsed(2), row(), T0 + REUSE_MS)).toEqual({ kind: 'grace' });
  });

  it('treats the previous generation after the interval as reuse', () => {
    expect(judge(parsed(2), row(), T0 + REUSE_MS + 1)).toEqual({ kind: 'reused' });
    expect(judge(parsed(2), row(), T0 + HOUR)).toEqual({ kind: 'reused' });
  });

  it('treats any older generation as reuse, even inside the interval', () => {
    expect(judge(parsed(1), row(), T0)).toEqual({ kind: 'reused' });
    expect(judge(parsed(0), row(), T0 + SECOND)).toEqual({ kind: 'reused' });
  });

  it('refuses a forged MAC without calling it reuse (a session id alone must not revoke a session)', () => {
    for (const generation of [0, 2, 3]) {
      expect(judge(parsed(generation, ACCESS_SECRET), row(), T0 + HOUR)).toEqual({ kind: 'invalid', reason: 'forged' });
      const otherNonce = parsed(generation, REFRESH_SECRET, { id: sessionId, nonce: newSessionSecrets().nonce });
      expect(judge(otherNonce, row(), T0 + HOUR)).toEqual({ kind: 'invalid', reason: 'forged' });
    }
  });

  it('refuses a future generation, even correctly MACed', () => {
    expect(judge(parsed(4))).toEqual({ kind: 'invalid', reason: 'forged' });
    expect(judge(parsed(100))).toEqual({ kind: 'invalid', reason: 'forged' });
  });

  it('refuses every generation of a revoked session', () => {
    const revoked = row({ revokedAt: T0 });
    expect(judge(parsed(3), revoked)).toEqual({ kind: 'invalid', reason: 'revoked' });
    expect(judge(parsed(2), revoked, T0)).toEqual({ kind: 'invalid', reason: 'revoked' });
    expect(judge(parsed(0), revoked)).toEqual({ kind: 'invalid', reason: 'revoked' });
  });

  it('refuses an idle-expired session (at and after its expiry), also in the grace window', () => {
    const session = row({ expiresAt: T0 + 5 * SECOND });
    expect(judge(parsed(3), session, T0 + 5 * SECOND - 1)).toEqual({ kind: 'rotate' });
    expect(judge(parsed(3), session, T0 + 5 * SECOND)).toEqual({ kind: 'invalid', reason: 'expired' });
    expect(judge(parsed(2), session, T0 + 5 * SECOND)).toEqual({ kind: 'invalid', reason: 'expired' });
  });

  it('refuses an absolutely expired session even when its idle expiry is later', () => {
    const session = row({ expiresAt: T0 + DAY, absoluteExpiresAt: T0 + HOUR });
    expect(judge(parsed(3), session, T0 + HOUR - 1)).toEqual({ kind: 'rotate' });
    expect(judge(parsed(3), session, T0 + HOUR)).toEqual({ kind: 'invalid', reason: 'expired' });
    expect(judge(parsed(2), row({ rotatedAt: T0 + HOUR - SECOND, absoluteExpiresAt: T0 + HOUR }), T0 + HOUR)).toEqual({ kind: 'invalid', reason: 'expired' });
  });
});
