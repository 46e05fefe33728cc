/** A user's API keys (GET /api/auth/api-keys and the account page): unrevoked ones, newest first. */
import 'server-only';
import type { Store } from '@/db/store';
import { apiKeyView, type ApiKeyView } from './api-key-view';

export async function listApiKeys(store: Store, userId: string, now: number): Promise<ApiKeyView[]> {
  return (await store.listApiKeys(userId)).map((key) => apiKeyView(key, now));
}
