/**
 * The `Connected accounts` section of /account: which providers the account can sign in with, and
 * `Disconnect` (DELETE /api/auth/connections/<id>). The last way to sign in can never be removed
 * (contract): the Store checks it inside the same atomic write that would remove the link, so two
 * concurrent disconnects cannot both pass (409 `last_sign_in_method`).
 *
 * Counted as ways to sign in: a password and each linked provider. An email link is not counted:
 * it is a recovery path that depends on the mailbox, and the contract's rule is about the
 * credentials the account holds.
 */
import 'server-only';
import type { Authenticated } from '../authenticate';
import type { AuthDeps } from '../deps';
import { AuthError } from '../errors';
import { logSecurityEvents, securityEvent, type ClientContext } from '../events';

export interface Connection {
  id: string;
  name: string;
  /** Whether this provider is configured now (an identity of a removed provider can still be disconnected). */
  configured: boolean;
  /** The provider's address for the person when it was connected, and when; null when not connected. */
  connected: { email: string | null; at: number } | null;
}

/** One row per configured provider, plus any linked provider no longer configured. */
export async function listConnections({ store, config }: Pick<AuthDeps, 'store' | 'config'>, userId: string): Promise<{ connections: Connection[]; hasPassword: boolean }> {
  const [linked, credentials] = await Promise.all([store.listLinkedIdentities(userId), store.findCredentials({ id: userId })]);
  const byProvider = new Map(linked.map((identity) => [identity.provider, identity]));
  const connections: Connection[] = config.oidcProviders.map((provider) => {
    const identity = byProvider.get(provider.id);
    return { id: provider.id, name: provider.name, configured: true, connected: identity ? { email: identity.email, at: identity.createdAt } : null };
  });
  for (const identity of linked) {
    if (!connections.some((row) => row.id === identity.provider)) connections.push({ id: identity.provider, name: identity.provider, configured: false, connected: { email: identity.email, at: identity.createdAt } });
  }
  return { connections, hasPassword: credentials?.passwordHash != null };
}

/** Removes the caller's link to a provider: 404 `not_found` when there is none, 409 `last_sign_in_method` when it is the last way in. */
export async function disconnectProvider({ store }: Pick<AuthDeps, 'store'>, caller: Pick<Authenticated, 'user' | 'session'>, providerId: string, client: ClientContext, now: number): Promise<void> {
  const event = securityEvent({ type: 'oauth_unlinked', userId: caller.user.id, sessionId: caller.session.id, client, detail: { provider: providerId.slice(0, 40) } }, now);
  const result = await store.unlinkIdentity(caller.user.id, providerId, [event]);
  if (result === 'not_linked') throw new AuthError('not_found');
  if (result === 'last_method') throw new AuthError('last_sign_in_method');
  logSecurityEvents([event]);
}
