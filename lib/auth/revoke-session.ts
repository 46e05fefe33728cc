/**
 * Revoking one of one's own sessions (DELETE /api/auth/sessions/:id). A user only ever sees and
 * touches their own sessions; any other id is "not found", never "forbidden", so nobody can learn
 * whether someone else's session id exists.
 */
import 'server-only';
import type { Store } from '@/db/store';
import { AuthError } from './errors';
import type { ClientContext } from './events';
import { findLiveSession } from './find-session';
import type { Caller } from './list-sessions';
import { revokeSession } from './revoke';

/** Session ids are 128 random bits in base64url (lib/auth/refresh-token.ts); anything else cannot exist. */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Revokes one of the caller's live sessions (its refresh tokens stop working at once; its access
 * token is refused by every database-checked handler). Throws 404 `not_found` for an unknown,
 * ended or foreign id. Returns whether it was the caller's own session (then clear its cookies).
 */
export async function revokeOwnSession(store: Store, caller: Caller, sessionId: string, client: ClientContext, now: number): Promise<{ current: boolean }> {
  const session = SESSION_ID.test(sessionId) ? await findLiveSession(store, sessionId, now) : null;
  if (!session || session.userId !== caller.user.id) throw new AuthError('not_found');
  await revokeSession(store, session, 'revoked_by_user', client, now);
  return { current: session.id === caller.session.id };
}
