/**
 * The signed-in devices of an account: listing a user's live sessions and revoking one of them.
 * A user only ever sees and touches their own sessions; any other id is "not found", never
 * "forbidden", so nobody can learn whether someone else's session id exists.
 */
import 'server-only';
import type { Db } from '@/db/client';
import { listLiveSessions } from '@/db/sessions';
import type { Authenticated } from './authenticate';
import { AuthError } from './errors';
import type { ClientContext } from './events';
import { findLiveSession, revokeSession } from './sessions';
import { sessionView } from './views';

/** Session ids are 128 random bits in base64url (lib/auth/refresh.ts); anything else cannot exist. */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

export type SessionListItem = ReturnType<typeof sessionView>;
/** Who is asking: any signed-in user and session (a route handler's or a server component's). */
export type Caller = { user: Pick<Authenticated['user'], 'id'>; session: Pick<Authenticated['session'], 'id'> };

/** The caller's live sessions, newest first, the current one flagged. */
export function listSessions(db: Db, caller: Caller, now: number): SessionListItem[] {
  return listLiveSessions(db, caller.user.id, now).map((session) => sessionView(session, caller.session.id));
}

/**
 * Revokes one of the caller's live sessions (its refresh tokens stop working at once; its access
 * token is refused by every database-checked handler). Throws 404 `not_found` for an unknown,
 * ended or foreign id. Returns whether it was the caller's own session (then clear its cookies).
 */
export function revokeOwnSession(db: Db, caller: Caller, sessionId: string, client: ClientContext, now: number): { current: boolean } {
  const session = SESSION_ID.test(sessionId) ? findLiveSession(db, sessionId, now) : null;
  if (!session || session.userId !== caller.user.id) throw new AuthError('not_found');
  revokeSession(db, session, 'revoked_by_user', client, now);
  return { current: session.id === caller.session.id };
}
