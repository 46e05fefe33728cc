/**
 * Signing out (POST /api/auth/logout): this session (the contract's default), every other
 * session, or all of them.
 */
import 'server-only';
import { verifyAccessToken } from './access-token';
import { authenticate } from './authenticate';
import { requestAuthCookies } from './cookies';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import type { ClientContext } from './events';
import { sessionOfRefreshToken } from './find-session';
import { revokeSession, revokeUserSessions } from './revoke';

export type LogoutScope = 'current' | 'others' | 'all';

/**
 * Revokes sessions for a logout request; returns whether this browser's cookies must be cleared.
 * `current` never fails (204 when already signed out); `others` and `all` need a live session.
 */
export async function signOut(deps: AuthDeps, request: Request, scope: LogoutScope, client: ClientContext, now: number): Promise<{ clearCookies: boolean }> {
  const { store, config } = deps;
  if (scope === 'current') {
    const presented = requestAuthCookies(request, config.cookieSecure);
    let session = presented.refresh ? await sessionOfRefreshToken(store, config, presented.refresh) : null;
    if (!session && presented.access) {
      const verified = await verifyAccessToken(presented.access, now);
      // A DPoP-bound token never lives in a cookie: one there was copied, and proves nothing.
      const named = verified.ok && verified.claims.cnf === undefined ? await store.findSession(verified.claims.sid) : null;
      // Defence in depth: the token's subject must own the session it names (as in authenticate()).
      session = named && verified.ok && named.userId === verified.claims.sub ? named : null;
    }
    if (session) await revokeSession(store, session, 'logout', client, now);
    return { clearCookies: true };
  }
  const auth = await authenticate(deps, request, now);
  if ('via' in auth) throw new AuthError('unauthenticated');
  await revokeUserSessions(store, auth.user.id, scope === 'all' ? 'logout_all' : 'logout_others', client, now, scope === 'others' ? auth.session.id : null);
  return { clearCookies: scope === 'all' };
}
