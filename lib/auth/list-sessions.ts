/** The signed-in devices of an account (GET /api/auth/sessions and /account): the caller's live sessions. */
import 'server-only';
import type { Store } from '@/db/store';
import type { Authenticated } from './authenticate';
import { accountSessionView, sessionView } from './views';

export type SessionListItem = ReturnType<typeof sessionView>;
export type AccountSessionListItem = ReturnType<typeof accountSessionView>;
/** Who is asking: any signed-in user and session (a route handler's or a server component's). */
export type Caller = { user: Pick<Authenticated['user'], 'id'>; session: Pick<Authenticated['session'], 'id'> };

/**
 * The caller's live sessions, newest first, the current one flagged. `session` is null for a
 * caller without one (an API key): then no session is current.
 */
export async function listSessions(store: Store, caller: { user: Caller['user']; session: Caller['session'] | null }, now: number): Promise<SessionListItem[]> {
  return (await store.listLiveSessions(caller.user.id, now)).map((session) => sessionView(session, caller.session?.id ?? null));
}

/** The same list for the /account page, with how each session signed in. */
export async function listAccountSessions(store: Store, caller: Caller, now: number): Promise<AccountSessionListItem[]> {
  return (await store.listLiveSessions(caller.user.id, now)).map((session) => accountSessionView(session, caller.session.id));
}
