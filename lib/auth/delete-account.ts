/**
 * Deleting one's own account (DELETE /api/auth/account; checklist N57, GDPR art. 17): the password
 * is required, every session ends, the user row and everything that names the person goes, and the
 * security record stays without personal data, so an audit still sees what happened and when, but
 * no longer to whom.
 */
import 'server-only';
import type { z } from 'zod';
import type { Authenticated } from './authenticate';
import { confirmPassword, recheckFailed } from './confirm-password';
import type { AuthDeps } from './deps';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { accountKey, mailboxKey } from './rate-limit';
import type { deleteAccountSchema } from './validation';

export type DeleteAccountInput = z.output<typeof deleteAccountSchema>;

/** The `account_deleted` event names nobody: no user, no session, no IP, no user agent. */
const NOBODY: ClientContext = { ip: null, userAgent: null };

/**
 * Checks the password, then deletes the caller's account in one atomic write. Throws 401
 * `invalid_credentials` for a wrong password, 429 `rate_limited` while the IP or the account is
 * throttled, and 401 `unauthenticated` when the caller's session ended meanwhile.
 *
 * The write (Store.deleteAccount) strips the person's events first, then deletes the sessions
 * (they hold IPs and devices; every refresh token of them is refused from then on, every access
 * token at the next database check), the failure counters keyed by the email (personal data; whoever
 * registers the address next starts clean) and the user.
 */
export async function deleteAccount(deps: AuthDeps, caller: Pick<Authenticated, 'user' | 'session'>, input: DeleteAccountInput, client: ClientContext, now: number): Promise<void> {
  const confirmation = await confirmPassword(deps, caller, input.password, client, 'account_delete', now);
  const event = securityEvent({ type: 'account_deleted', client: NOBODY }, now);
  const result = await deps.store.deleteAccount(confirmation, [accountKey(caller.user.email), mailboxKey(caller.user.email)], [event]);
  if (!result.ok) throw recheckFailed(result.reason);
  await deps.limits.resetAccount(caller.user.email);
  logSecurityEvents([event]);
}
