/**
 * Creating an API key (POST /api/auth/api-keys), for a signed-in session only: never for a caller
 * that is itself an API key or a machine client (the route's guard decides, see lib/auth/guard.ts).
 */
import 'server-only';
import { z } from 'zod';
import { DAY_MS } from '@/lib/duration';
import { newApiKey } from './api-key-tokens';
import { apiKeyView, type ApiKeyView } from './api-key-view';
import type { Authenticated } from './authenticate';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';

/** A user holds at most this many live keys: enough for every script, not a table anyone can grow without bound. */
export const MAX_API_KEYS = 25;
export const API_KEY_NAME_MAX = 64;
/** The lifetimes the account page offers, in days; null: never expires. */
export const API_KEY_EXPIRY_DAYS = [30, 90, 365] as const;

export const createApiKeySchema = z.strictObject({
  name: z
    .string({ error: 'Give the key a name.' })
    .trim()
    .min(1, 'Give the key a name.')
    .max(API_KEY_NAME_MAX, `At most ${API_KEY_NAME_MAX} characters.`)
    .refine((name) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name), 'Use letters, digits, spaces and punctuation only.'),
  expiresInDays: z
    .union([z.literal(API_KEY_EXPIRY_DAYS[0]), z.literal(API_KEY_EXPIRY_DAYS[1]), z.literal(API_KEY_EXPIRY_DAYS[2]), z.null()], {
      error: `Choose ${API_KEY_EXPIRY_DAYS.join(', ')} days or no expiry.`,
    })
    .default(null),
});

export type CreateApiKeyInput = z.output<typeof createApiKeySchema>;

/** Creates a key for the caller; returns the key (shown once) and its view. 409 `too_many_api_keys` past MAX_API_KEYS. */
export async function createApiKey(deps: AuthDeps, caller: Pick<Authenticated, 'user' | 'session'>, input: CreateApiKeyInput, client: ClientContext, now: number): Promise<{ key: string; apiKey: ApiKeyView }> {
  const expiresAt = input.expiresInDays === null ? null : now + input.expiresInDays * DAY_MS;
  const { key, record } = newApiKey(deps.config.refreshTokenSecret, { userId: caller.user.id, name: input.name }, now, expiresAt);
  const events = [securityEvent({ type: 'api_key_created', userId: caller.user.id, sessionId: caller.session.id, client, detail: { keyId: record.id, name: record.name } }, now)];
  const outcome = await deps.store.createApiKey(record, MAX_API_KEYS, events);
  if (outcome === 'too_many') throw new AuthError('too_many_api_keys');
  // The user was deleted between authentication and now: their session is gone with them.
  if (outcome === 'no_user') throw new AuthError('unauthenticated');
  logSecurityEvents(events);
  return { key, apiKey: apiKeyView({ ...record, lastUsedAt: null, lastUsedIp: null, revokedAt: null }, now) };
}
