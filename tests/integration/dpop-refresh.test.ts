/**
 * A DPoP-bound session (refresh token family, RFC 9449 §5) on both databases, through the one
 * refresh implementation (lib/auth/refresh.ts) that the cookie route and the token endpoint's
 * `refresh_token` grant share: every renewal needs a fresh proof by the bound key (refused without
 * one, with another key's, with a replayed one), its access tokens carry `cnf.jkt`, a refusal
 * ends nothing, and the cookie route (which never carries a proof) cannot renew a bound family.
 * Unbound sessions ignore proofs and stay Bearer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '@/db/store';
import { getAuthDeps } from '@/lib/auth/deps';
import type { DpopProof } from '@/lib/auth/dpop';
import { tokenRequestProof } from '@/lib/auth/oauth/token-dpop';
import { renewSession } from '@/lib/auth/refresh';
import { issueTokens, newSession } from '@/lib/auth/session-tokens';
import { startApp, type TestApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { dpopKey, dpopProof, type DpopKey } from '../support/dpop';
import { PASSWORD, SECOND, T0 } from '../support/env';
import { ORIGIN, call, apiRequest, jwtPayload } from '../support/http';

const TOKEN_URL = `${ORIGIN}/api/auth/token`;
const client = { ip: '203.0.113.9', userAgent: 'native-app/1.0' };

let app: TestApp;
let key: DpopKey;
let otherKey: DpopKey;
let userId: string;

beforeAll(async () => {
  freezeClock(T0);
  app = await startApp();
  key = await dpopKey('ES256');
  otherKey = await dpopKey('ES256');
  const { response } = await app.signUp('dpop-refresh@example.com', PASSWORD);
  expect(response.status).toBe(201);
  userId = ((await response.json()) as { user: { id: string } }).user.id;
});

afterAll(() => {
  restoreClock();
});

/** A new session of the user, bound to `jkt` (or unbound), and its first refresh token. */
async function session(jkt: string | null): Promise<{ id: string; refreshToken: string }> {
  const deps = await getAuthDeps();
  const row = { ...newSession(deps.config, userId, 'password', client, Date.now()), dpopJkt: jkt };
  await deps.store.insertSession(row, []);
  const tokens = await issueTokens(row, 0, deps.config, deps.keys, Date.now());
  return { id: row.id, refreshToken: tokens.refreshToken };
}

/** A proof for a token request by `signer`, checked as the token endpoint checks it. */
async function proofBy(signer: DpopKey, jti?: string): Promise<DpopProof> {
  const dpop = await dpopProof(signer, { htm: 'POST', htu: TOKEN_URL, jti });
  const proof = await tokenRequestProof((await getAuthDeps()).config, new Request(TOKEN_URL, { method: 'POST', headers: { dpop } }), Date.now());
  if (!proof) throw new Error('no proof');
  return proof;
}

async function renew(refreshToken: string, proof: DpopProof | null) {
  return renewSession(await getAuthDeps(), refreshToken, client, Date.now(), null, proof);
}

async function stored(id: string): Promise<SessionRecord | null> {
  return (await getAuthDeps()).store.findSession(id);
}

describe('a bound session', () => {
  it('renews with a fresh proof by its key, again and again; its access tokens carry cnf.jkt', async () => {
    const { id, refreshToken } = await session(key.jkt);
    const first = await renew(refreshToken, await proofBy(key));
    expect(first).not.toBeNull();
    expect(jwtPayload(first?.accessToken ?? '').cnf).toStrictEqual({ jkt: key.jkt });
    advanceClock(SECOND);
    const second = await renew(first?.refreshToken ?? '', await proofBy(key));
    expect(jwtPayload(second?.accessToken ?? '').cnf).toStrictEqual({ jkt: key.jkt });
    expect((await stored(id))?.generation).toBe(2);
    expect((await stored(id))?.dpopJkt).toBe(key.jkt);
  });

  it('is refused without a proof, and nothing changes', async () => {
    const { id, refreshToken } = await session(key.jkt);
    expect(await renew(refreshToken, null)).toBeNull();
    expect(await stored(id)).toMatchObject({ generation: 0, revokedAt: null });
    expect(await renew(refreshToken, await proofBy(key))).not.toBeNull();
  });

  it("is refused with another key's proof, and nothing changes", async () => {
    const { id, refreshToken } = await session(key.jkt);
    expect(await renew(refreshToken, await proofBy(otherKey))).toBeNull();
    expect(await stored(id)).toMatchObject({ generation: 0, revokedAt: null });
  });

  it('is refused with a replayed proof (same jti)', async () => {
    const { id, refreshToken } = await session(key.jkt);
    const proof = await proofBy(key, 'replayed-jti');
    const renewed = await renew(refreshToken, proof);
    expect(renewed).not.toBeNull();
    advanceClock(SECOND);
    expect(await renew(renewed?.refreshToken ?? '', await proofBy(key, 'replayed-jti'))).toBeNull();
    expect((await stored(id))?.generation).toBe(1);
  });

  it('an old refresh token without the key ends nothing; with the key it is a reuse and ends the session', async () => {
    const { id, refreshToken } = await session(key.jkt);
    const renewed = await renew(refreshToken, await proofBy(key));
    expect(renewed).not.toBeNull();
    advanceClock(60 * SECOND);
    expect(await renew(refreshToken, null)).toBeNull();
    expect(await renew(refreshToken, await proofBy(otherKey))).toBeNull();
    expect((await stored(id))?.revokedAt).toBeNull();
    expect(await renew(refreshToken, await proofBy(key))).toBeNull();
    expect((await stored(id))?.revokedReason).toBe('refresh_token_reused');
  });

  it('cannot be renewed through the cookie refresh route (which never carries a proof)', async () => {
    const { id, refreshToken } = await session(key.jkt);
    const response = await call(app.routes.refresh.POST ?? (() => Promise.reject(new Error('no POST'))), apiRequest('POST', '/api/auth/refresh', { cookies: { refresh_token: refreshToken } }));
    expect(response.status).toBe(401);
    expect((await stored(id))?.generation).toBe(0);
  });
});

describe('an unbound session', () => {
  it('ignores a proof and stays Bearer (no cnf)', async () => {
    const { id, refreshToken } = await session(null);
    const renewed = await renew(refreshToken, await proofBy(key));
    expect(renewed).not.toBeNull();
    expect(jwtPayload(renewed?.accessToken ?? '')).not.toHaveProperty('cnf');
    expect((await stored(id))?.dpopJkt).toBeNull();
  });
});
