/** The running app's database, configuration and keys, for route handlers and server components. */
import 'server-only';
import { getDb } from '@/db/client';
import { getConfig } from '@/lib/config';
import type { AuthDeps } from './account';
import { getAccessTokenKeys } from './tokens';

export async function getAuthDeps(): Promise<AuthDeps> {
  return { db: getDb(), config: getConfig(), keys: await getAccessTokenKeys() };
}
