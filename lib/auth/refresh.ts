/**
 * Refresh (POST /api/auth/refresh): exchanges a refresh token for a new pair, rotating it. The
 * token rules (format, MAC, grace window, reuse) are in refresh-token.ts; this is the I/O around
 * them. Rotation is one compare-and-set in the Store, so of two racing refreshes (even in two
 * processes) exactly one bumps the generation; the other sees the grace-window case.
 */
import 'server-only';
import type { AuthDeps } from './deps';
import { spendDpopProof, type DpopProof } from './dpop';
import type { ClientContext } from './events';
import { judgeRefreshToken, parseRefreshToken } from './refresh-token';
import { revokeSession } from './revoke';
import { issueTokens, type IssuedTokens } from './session-tokens';

/**
 * The new pair for a refresh token; null means 401 `invalid_refresh_token` (or, at the token
 * endpoint, `invalid_grant`). `clientId` says where the token was presented: null for the
 * browser's refresh cookie, a NATIVE_CLIENTS id at the token endpoint. A token works only where
 * its session belongs (sessions.clientId), so a cookie's token is refused at the token endpoint,
 * a native app's at the cookie refresh, and one app's at another's.
 * An authentic token is never rate limited: it involves no guessing, and refusing it would let
 * anyone who fills a shared IP bucket stop every user's silent refresh. Tokens that fail count
 * against the client's IP, and once it is over its limit they are answered 429.
 *
 * `proof`: the request's checked, unspent DPoP proof (the token endpoint), or null. A session bound
 * to a DPoP key (RFC 9449 §5) renews only with a proof by that key, spent here; an unbound session
 * ignores a proof and stays Bearer.
 */
export async function renewSession(deps: AuthDeps, rawToken: string | null, client: ClientContext, now: number, clientId: string | null = null, proof: DpopProof | null = null): Promise<IssuedTokens | null> {
  if (!rawToken) return null;
  const tokens = await rotate(deps, rawToken, client, now, clientId, proof);
  if (!tokens) await deps.limits.consumeIp(deps.store, deps.config, client, 'refresh', now);
  return tokens;
}

/** Returns null for anything that must get 401; revokes the session (and records it) on reuse. */
async function rotate({ store, config, keys }: AuthDeps, rawToken: string, client: ClientContext, now: number, clientId: string | null, proof: DpopProof | null): Promise<IssuedTokens | null> {
  const token = parseRefreshToken(rawToken);
  if (!token) return null;
  let proofSpent = false;
  // Two passes at most: a lost rotation race re-reads the row and lands in the grace case.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const session = await store.findSession(token.sessionId);
    // Presented where it does not belong: refused as if unknown, and no reuse verdict (its
    // generation says nothing about a copy when the presenter is not the session's own client).
    if (!session || session.clientId !== clientId) return null;
    const verdict = judgeRefreshToken(config.refreshTokenSecret, token, session, config.refreshReuseIntervalMs, now);
    if (verdict.kind === 'invalid') return null;
    if (session.dpopJkt !== null) {
      // A bound family: without a fresh proof by its key the token is refused before anything
      // else, so a copied refresh token, old or current, neither renews nor (as a reuse) ends the
      // session: only the key's holder counts.
      if (proof === null || proof.jkt !== session.dpopJkt) return null;
      if (!proofSpent) {
        if (!(await spendDpopProof(store, proof, now))) return null;
        proofSpent = true;
      }
    }
    switch (verdict.kind) {
      case 'reused':
        await revokeSession(store, session, 'refresh_token_reused', client, now, { generation: token.generation, currentGeneration: session.generation });
        return null;
      case 'grace':
        return issueTokens(session, session.generation, config, keys, now);
      case 'rotate': {
        const expiresAt = Math.min(now + config.refreshTokenTtlMs, session.absoluteExpiresAt);
        if (await store.rotateSession(session.id, session.generation, now, expiresAt, client.ip)) {
          return issueTokens({ ...session, expiresAt }, session.generation + 1, config, keys, now);
        }
      }
    }
  }
  return null;
}
