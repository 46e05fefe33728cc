/**
 * A child process that holds SQLite stores for the conformance races (tests/store/sqlite-processes.ts
 * drives it). better-sqlite3 is synchronous: connections in one process never overlap, so only
 * connections in other processes race for real, as the app's instances do.
 *
 * Started with `node --import tsx`; it imports the adapter by relative path (no `@` alias here).
 */
import { createSqliteStore } from '../../db/sqlite/store';
import { StoreUnavailableError, type AuthorizationCodeRecord, type CodeExchange, type NewSecurityEvent, type RateLimitOutcome, type RateLimitRecord, type Store } from '../../db/store';

export type ChildRequest =
  | { id: number; op: 'open'; handle: number; file: string }
  | { id: number; op: 'call'; handle: number; method: Exclude<keyof Store, 'dialect' | 'close' | 'consumeRateLimit' | 'redeemAuthorizationCode'>; args: unknown[] }
  | { id: number; op: 'consume'; handle: number; key: string; decide: string }
  | { id: number; op: 'redeem'; handle: number; codeId: string; now: number; exchange: string; replayEvent: Omit<NewSecurityEvent, 'userId' | 'sessionId'> }
  | { id: number; op: 'close'; handle: number };

export type ChildError = { unavailable: StoreUnavailableError['kind'] } | { name: string; message: string };

export type ChildResponse = { id: number; value: unknown } | { id: number; error: ChildError };

const stores = new Map<number, Store>();

function storeOf(handle: number): Store {
  const store = stores.get(handle);
  if (!store) throw new Error(`no store ${handle} in this process`);
  return store;
}

async function handle(request: ChildRequest): Promise<unknown> {
  switch (request.op) {
    case 'open':
      stores.set(request.handle, createSqliteStore(request.file));
      return null;
    case 'close': {
      const store = storeOf(request.handle);
      stores.delete(request.handle);
      await store.close();
      return null;
    }
    case 'consume': {
      // The decide function travels as source: it must use nothing but its argument and literals.
      const decide = new Function(`return (${request.decide});`)() as (row: RateLimitRecord | null) => RateLimitOutcome<unknown>;
      return storeOf(request.handle).consumeRateLimit(request.key, decide);
    }
    case 'redeem': {
      // Like decide above, the exchange function travels as source.
      const exchange = new Function(`return (${request.exchange});`)() as (code: AuthorizationCodeRecord) => CodeExchange;
      return storeOf(request.handle).redeemAuthorizationCode(request.codeId, request.now, exchange, request.replayEvent);
    }
    case 'call': {
      const store = storeOf(request.handle);
      const method = store[request.method] as (...args: unknown[]) => Promise<unknown>;
      return method.apply(store, request.args);
    }
  }
}

function reply(response: ChildResponse): void {
  process.send?.(response);
}

process.on('message', (request: ChildRequest) => {
  handle(request).then(
    (value) => reply({ id: request.id, value }),
    (error: unknown) =>
      reply({
        id: request.id,
        error: StoreUnavailableError.is(error) ? { unavailable: error.kind } : { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) },
      }),
  );
});

// Tell the parent the adapter is loaded.
process.send?.({ id: 0, value: 'ready' } satisfies ChildResponse);
