/**
 * Where every first factor of a sign-in ends (password reset aside): an email link and an OpenID
 * Connect provider call this once they have proven who the user is. Today it starts the session;
 * the two-factor step takes its place for accounts with a second factor (contract: "An account
 * with two-factor on still needs its second factor"), so that rule lives in one call here.
 */
import 'server-only';
import type { SignInMethod, UserRecord } from '@/db/store';
import type { AuthDeps } from './deps';
import type { ClientContext } from './events';
import type { SignedIn } from './register';
import { startSession } from './start-session';

/** Finishes a sign-in whose first factor (`method`) has been proven for `user`. */
export async function completeFirstFactor(deps: AuthDeps, user: UserRecord, method: SignInMethod, client: ClientContext, now: number, previousRefreshToken: string | null): Promise<SignedIn> {
  return startSession(deps, user, method, client, now, previousRefreshToken);
}
