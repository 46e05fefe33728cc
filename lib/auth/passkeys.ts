/**
 * The signed-in user's passkeys: the list (GET /api/auth/passkeys, the account page) and removing
 * one (DELETE /api/auth/passkeys/{id}). A user only ever sees and touches their own: another
 * user's passkey id is "not found", never "forbidden".
 */
import 'server-only';
import type { PasskeyRecord, UserRecord } from '@/db/store';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { noticePasskeyChanged } from './notices';

/** What the API and the account page show of a passkey: no key material, no credential id. */
export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export function passkeyView(passkey: PasskeyRecord): PasskeyView {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: new Date(passkey.createdAt).toISOString(),
    lastUsedAt: passkey.lastUsedAt === null ? null : new Date(passkey.lastUsedAt).toISOString(),
  };
}

/** The user's passkeys, oldest first. */
export async function listPasskeys({ store }: Pick<AuthDeps, 'store'>, user: Pick<UserRecord, 'id'>): Promise<PasskeyView[]> {
  return (await store.listPasskeys(user.id)).map(passkeyView);
}

/** Passkey ids are 128 random bits in base64url (passkey-registration.ts); anything else cannot exist. */
const PASSKEY_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Removes one of the user's passkeys: it can never sign in again. 404 `not_found` for an unknown
 * id or another user's passkey. Records `passkey_removed` and mails the owner.
 */
export async function removePasskey(deps: AuthDeps, user: Pick<UserRecord, 'id' | 'email'>, passkeyId: string, client: ClientContext, now: number): Promise<void> {
  if (!PASSKEY_ID.test(passkeyId)) throw new AuthError('not_found');
  const event = securityEvent({ type: 'passkey_removed', userId: user.id, client, detail: { passkeyId } }, now);
  const removed = await deps.store.deletePasskey(user.id, passkeyId, [event]);
  if (!removed) throw new AuthError('not_found');
  logSecurityEvents([event]);
  noticePasskeyChanged(deps, user, 'removed', removed.name, client, now);
}
