/** Queries on `rate_limits`. */
import 'server-only';
import { eq, lt } from 'drizzle-orm';
import type { Db } from './client';
import { rateLimits, type RateLimit } from './schema';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export function findRateLimit(tx: Tx | Db, key: string): RateLimit | null {
  return tx.select().from(rateLimits).where(eq(rateLimits.key, key)).get() ?? null;
}

export function saveRateLimit(tx: Tx | Db, row: RateLimit): void {
  tx.insert(rateLimits)
    .values(row)
    .onConflictDoUpdate({ target: rateLimits.key, set: { count: row.count, windowStart: row.windowStart, lastAt: row.lastAt, limitedAt: row.limitedAt } })
    .run();
}

export function deleteRateLimit(db: Db, key: string): void {
  db.delete(rateLimits).where(eq(rateLimits.key, key)).run();
}

/** Drops rows whose window ended before `before` (housekeeping; any expired row is ignored anyway). */
export function pruneRateLimits(db: Db, before: number): void {
  db.delete(rateLimits).where(lt(rateLimits.lastAt, before)).run();
}
