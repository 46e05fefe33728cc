/**
 * The end of every successful sign-in, whatever proved who the user is (a password, a password and
 * a second factor, a passkey): the browser's previous session ends, a new one starts with its
 * method recorded, the owner hears about a new device, and the tokens are minted.
 */
import 'server-only';
import type { SignInMethod, UserRecord } from '@/db/store';
import type { AuthDeps } from './deps';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { sessionOfRefreshToken } from './find-session';
import { noticeIfNewDevice } from './notices';
import type { SignedIn } from './register';
import { revokeSession } from './revoke';
import { issueTokens, newSession } from './session-tokens';

/**
 * Starts a session for a user whose identity is fully proven. `previousRefreshToken` is the refresh
 * cookie this browser still carries, if any (see endPreviousSession).
 */
export async function startSession(deps: AuthDeps, user: UserRecord, method: SignInMethod, client: ClientContext, now: number, previousRefreshToken: string | null): Promise<SignedIn> {
  const { store, config, keys } = deps;
  if (previousRefreshToken) await endPreviousSession(deps, previousRefreshToken, client, now);
  const session = newSession(config, user.id, method, client, now);
  const event = securityEvent({ type: 'sign_in_succeeded', userId: user.id, sessionId: session.id, client, detail: { method } }, now);
  await store.insertSession(session, [event]);
  logSecurityEvents([event]);
  await noticeIfNewDevice(deps, user, session.id, client, now);
  return { user, tokens: await issueTokens(session, 0, config, keys, now) };
}

/**
 * Ends the session of the refresh cookie a browser carried into a successful sign-in, whichever
 * account it belongs to. The sign-in overwrites that cookie, so the old session could never be
 * used from this browser again; left alive it would linger in the account's session list and keep
 * a working refresh token for anyone who copied the cookie earlier. A session of another account
 * (someone else signed in on this browser before) is orphaned the same way, so it ends too.
 * Only an authentic token counts: a made-up or foreign cookie ends nothing.
 */
async function endPreviousSession({ store, config }: AuthDeps, rawToken: string, client: ClientContext, now: number): Promise<void> {
  const session = await sessionOfRefreshToken(store, config, rawToken);
  if (session && session.revokedAt === null) await revokeSession(store, session, 'signed_in_again', client, now);
}
