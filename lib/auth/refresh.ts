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
 * The new pair for a refresh cookie's token; null means 401 `invalid_refresh_token`.
 * An authentic token is never rate limited: it involves no guessing, and refusing it would let
 * anyone who fills a shared IP bucket stop every user's silent refresh. Tokens that fail count
 * against the client's IP, and once it is over its limit they are answered 429.
 *
 * `proof`: the request's checked, unspent DPoP proof (the token endpoint), or null. A session bound
 * to a DPoP key (RFC 9449 §5) renews only with a proof by that key, spent here; an unbound session
 * ignores a proof and stays Bearer.
 */
export async function renewSession(deps: AuthDeps, rawToken: string | null, client: ClientContext, now: number, proof: DpopProof | null = null): Promise<IssuedTokens | null> {
  if (!rawToken) return null;
  const tokens = await rotate(deps, rawToken, client, now, proof);
  if (!tokens) await deps.limits.consumeIp(deps.store, deps.config, client, 'refresh', now);
  return tokens;
}

/** Returns null for anything that must get 401; revokes the session (and records it) on reuse. */
async function rotate({ store, config, keys }: AuthDeps, rawToken: string, client: ClientContext, now: number, proof: DpopProof | null): Promise<IssuedTokens | null> {
  const token = parseRefreshToken(rawToken);
  if (!token) return null;
  let proofSpent = false;
  // Two passes at most: a lost rotation race re-reads the row and lands in the grace case.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const session = await store.findSession(token.sessionId);
    if (!session) return null;
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
