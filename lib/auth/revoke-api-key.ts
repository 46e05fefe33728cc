/**
 * Revoking one of one's own API keys (DELETE /api/auth/api-keys/{id}). Takes effect at once: every
 * request with the key looks it up in the database (nothing caches a key), so the next one is
 * refused. Another user's key, an unknown or an already revoked one is 404 `not_found`, never
 * `forbidden`, so nobody learns whether someone else's key id exists.
 */
import 'server-only';
import type { Store } from '@/db/store';
import { API_KEY_ID_FORMAT } from './api-key-tokens';
import type { Authenticated } from './authenticate';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';

export async function revokeApiKey(store: Store, caller: Pick<Authenticated, 'user' | 'session'>, keyId: string, client: ClientContext, now: number): Promise<void> {
  if (!API_KEY_ID_FORMAT.test(keyId)) throw new AuthError('not_found');
  const key = (await store.listApiKeys(caller.user.id)).find((candidate) => candidate.id === keyId);
  if (!key) throw new AuthError('not_found');
  const events = [securityEvent({ type: 'api_key_revoked', userId: caller.user.id, sessionId: caller.session.id, client, detail: { keyId, name: key.name } }, now)];
  if (!(await store.revokeApiKey(caller.user.id, keyId, now, events))) throw new AuthError('not_found');
  logSecurityEvents(events);
}
