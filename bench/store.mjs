// The Store for a DatabaseTarget, for the bench scripts that run through tsx (seed.mjs, pieces.mjs).
//
// Not db/index.ts's getStore: an .mjs file importing a .ts file of this (CommonJS) package gets it
// compiled to CommonJS by tsx, and getStore's dynamic `import('./sqlite/store')` then fails to
// resolve on Node 20 (ERR_UNSUPPORTED_RESOLVE_REQUEST from a data: URL). Importing both adapters
// statically works on every Node version the app supports; loading `pg` in a SQLite-only script
// costs nothing that is measured.
import { createPostgresStore } from '../db/postgres/store.ts';
import { createSqliteStore } from '../db/sqlite/store.ts';

/** A new Store for `target` (`{ dialect: 'sqlite', path }` or `{ dialect: 'postgres', url }`), migrated. */
export async function openStore(target) {
  const store = target.dialect === 'postgres' ? createPostgresStore(target.url) : createSqliteStore(target.path);
  await store.ready();
  return store;
}
