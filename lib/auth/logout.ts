/**
 * Signing out: this session (the contract's default), every other session, or all of them.
 */
import 'server-only';
import { findSession, revokeUserSessions } from '@/db/sessions';
import type { AuthDeps } from './account';
import { authenticate } from './authenticate';
import { requestAuthCookies } from './cookies';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';
import { revokeSession, sessionOfRefreshToken } from './sessions';
import { verifyAccessToken } from './tokens';

export type LogoutScope = 'current' | 'others' | 'all';

/**
 * Revokes sessions for a logout request; returns whether this browser's cookies must be cleared.
 * `current` never fails (204 when already signed out); `others` and `all` need a live session.
 */
export async function signOut({ db, config }: AuthDeps, request: Request, scope: LogoutScope, client: ClientContext, now: number): Promise<{ clearCookies: boolean }> {
  if (scope === 'current') {
    const presented = requestAuthCookies(request, config.cookieSecure);
    const refresh = presented.refresh;
    let session = refresh ? sessionOfRefreshToken(db, config, refresh) : null;
    if (!session) {
      const access = presented.access;
      const verified = access ? await verifyAccessToken(access, now) : null;
      const named = verified?.ok ? findSession(db, verified.claims.sid) : null;
      // Defence in depth: the token's subject must own the session it names (as in authenticate()).
      session = named && verified?.ok && named.userId === verified.claims.sub ? named : null;
    }
    if (session) revokeSession(db, session, 'logout', client, now);
    return { clearCookies: true };
  }
  const auth = await authenticate(db, request, config.cookieSecure, now);
  if ('via' in auth) throw new AuthError('unauthenticated');
  const reason = scope === 'all' ? 'logout_all' : 'logout_others';
  const revoked = revokeUserSessions(db, auth.user.id, reason, now, scope === 'others' ? auth.session.id : undefined);
  for (const sessionId of revoked) {
    recordSecurityEvent(db, { type: 'session_revoked', userId: auth.user.id, sessionId, client, detail: { reason } }, now);
  }
  return { clearCookies: scope === 'all' };
}
