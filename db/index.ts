/**
 * The app's Store: SQLite for `file:` URLs, PostgreSQL for `postgres://` ones, opened on first use. The PostgreSQL adapter is imported only when it is used, so a SQLite deployment never
 * loads `pg`, and a build needs no database at all.
 */
import 'server-only';
import type { DatabaseTarget, Store } from './store';

export type { DatabaseTarget, Store } from './store';
export { StoreUnavailableError } from './store';

interface Holder {
  __authStore?: { key: string; store: Promise<Store> };
  __authStoreOverride?: Store;
}

// In development the holder lives on globalThis, so a hot reload of this module keeps the
// connection; elsewhere it is this module's own, so a fresh module graph (a test's second app
// instance) opens its own connection.
const holder: Holder = process.env.NODE_ENV === 'development' ? (globalThis as Holder) : {};

async function open(target: DatabaseTarget): Promise<Store> {
  if (target.dialect === 'postgres') {
    const { createPostgresStore } = await import('./postgres/store');
    return createPostgresStore(target.url);
  }
  const { createSqliteStore } = await import('./sqlite/store');
  return createSqliteStore(target.path);
}

/**
 * The Store for `target`. A failed open (a SQLite file that cannot be opened) is not kept: the
 * next request tries again, so the server recovers by itself once the cause is gone.
 */
export function getStore(target: DatabaseTarget): Promise<Store> {
  if (holder.__authStoreOverride) return Promise.resolve(holder.__authStoreOverride);
  const key = target.dialect === 'postgres' ? `postgres:${target.url}` : `sqlite:${target.path}`;
  const held = holder.__authStore;
  if (held && held.key === key) return held.store;
  const store = open(target);
  holder.__authStore = { key, store };
  store.catch(() => {
    if (holder.__authStore?.store === store) holder.__authStore = undefined;
  });
  return store;
}

/**
 * Replaces the Store the app uses (a custom adapter, or a test's failing or instrumented one);
 * `null` goes back to the configured database.
 */
export function useStore(store: Store | null): void {
  holder.__authStoreOverride = store ?? undefined;
}
