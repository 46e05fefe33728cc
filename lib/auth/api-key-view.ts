/** What the API and the account page show of an API key: never its MAC. */
import type { ApiKeyRecord } from '@/db/store';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function apiKeyView(key: ApiKeyRecord, now: number) {
  return {
    id: key.id,
    name: key.name,
    createdAt: new Date(key.createdAt).toISOString(),
    expiresAt: iso(key.expiresAt),
    expired: key.expiresAt !== null && now >= key.expiresAt,
    lastUsedAt: iso(key.lastUsedAt),
    lastUsedIp: key.lastUsedIp,
  };
}

export type ApiKeyView = ReturnType<typeof apiKeyView>;
