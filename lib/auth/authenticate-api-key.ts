/**
 * Authenticating a request by API key (`Authorization: Bearer ntak_…`), on the read-only routes
 * that opt in (lib/auth/guard.ts `callerRoute`). Every request looks the key up in the database:
 * nothing caches a key, so a revocation or an expiry refuses the very next request.
 */
import 'server-only';
import type { ApiKeyRecord, UserRecord } from '@/db/store';
import { apiKeySecretMatches, parseApiKey } from './api-key-tokens';
import type { AuthDeps } from './deps';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';

/** A key's last use is written at most this often from one address (an address change is written at once). */
export const API_KEY_USE_WRITE_INTERVAL_MS = 60_000;

export interface ApiKeyCaller {
  kind: 'api_key';
  user: UserRecord;
  apiKey: ApiKeyRecord;
}

/**
 * The user a presented key authenticates, or null (malformed, unknown, wrong secret, revoked or
 * expired: one answer for all). A failure counts against the client's IP like a failed sign-in
 * (429 once the window is used up); a success counts against the key's own limit
 * (RATE_LIMIT_PER_API_KEY) and records the use, with `api_key_used_from_new_ip` when the address
 * is new for the key.
 */
export async function authenticateApiKey(deps: AuthDeps, credential: string, client: ClientContext, now: number): Promise<ApiKeyCaller | null> {
  const { store, config, limits } = deps;
  const presented = parseApiKey(credential);
  const found = presented ? await store.findApiKeyWithUser(presented.id) : null;
  // Always one MAC and one constant-time comparison, whether or not the id exists.
  const matches = presented !== null && apiKeySecretMatches(config.refreshTokenSecret, presented, found?.key.secretMac ?? null);
  if (!matches || !found || found.key.revokedAt !== null || (found.key.expiresAt !== null && now >= found.key.expiresAt)) {
    await limits.consumeIp(store, config, client, 'api_key', now);
    return null;
  }
  const { key, user } = found;
  await limits.consumeApiKey(store, config, key.id, client, now);
  const newIpEvents = [securityEvent({ type: 'api_key_used_from_new_ip', userId: user.id, client, detail: { keyId: key.id, name: key.name } }, now)];
  if (await store.recordApiKeyUse(key.id, client.ip, now, API_KEY_USE_WRITE_INTERVAL_MS, newIpEvents)) logSecurityEvents(newIpEvents);
  return { kind: 'api_key', user, apiKey: key };
}
