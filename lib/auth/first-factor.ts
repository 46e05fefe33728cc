/**
 * Where every first factor of a sign-in ends (password reset aside): an email link and an OpenID
 * Connect provider call this once they have proven who the user is. It starts the session, or
 * the two-factor step takes its place for accounts with a second factor (contract: "An account
 * with two-factor on still needs its second factor"), so that rule lives in one call here.
 */
import 'server-only';
import type { UserRecord } from '@/db/store';
import type { AuthDeps } from './deps';
import type { ClientContext } from './events';
import { requireSecondStepOrStart, type FirstFactor, type FirstStepOutcome } from './second-factor';

/**
 * Finishes a sign-in whose first factor (`method`) has been proven for `user`: signed in, or (two-factor
 * on) a challenge for the second step (lib/auth/second-factor.ts).
 */
export async function completeFirstFactor(deps: AuthDeps, user: UserRecord, method: FirstFactor, client: ClientContext, now: number, previousRefreshToken: string | null): Promise<FirstStepOutcome> {
  return requireSecondStepOrStart(deps, user, method, client, now, previousRefreshToken);
}
