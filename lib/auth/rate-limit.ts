/**
 * Rate limits and sign-in backoff (checklist H35–H37), stored in the database so they hold across
 * restarts and across app instances sharing it.
 *
 * - Per client IP (RATE_LIMIT_PER_IP, default 100/15m): every sign-in, registration and password
 *   check, and every failed refresh, counts. A fixed window; 429 with Retry-After until it ends.
 *   An authentic refresh token is never refused (see renewSession).
 *   Without TRUST_PROXY the IP is unknown and all clients share one bucket (fails closed: spoofed
 *   forwarding headers never buy a fresh bucket).
 * - Per account (RATE_LIMIT_PER_ACCOUNT, default 10/15m, keyed by normalised email whether or
 *   not the account exists): the first failures in a window are free; after that each attempt
 *   must wait BACKOFF_BASE_MS doubled per extra failure, capped at BACKOFF_CAP_MS and never past
 *   the window's end. A success clears the record. So an attacker slows an account down but can
 *   keep its owner out for at most the cap (and never past the window), never for good.
 *   An attempt is counted before the password is checked, so parallel guesses cannot all slip
 *   through before the first failure is written.
 */
import 'server-only';
import type { Db } from '@/db/client';
import { deleteRateLimit, findRateLimit, pruneRateLimits, saveRateLimit } from '@/db/rate-limits';
import type { RateLimit } from '@/db/schema';
import type { Config } from '@/lib/config';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';

export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_CAP_MS = 15 * 60_000;

export interface Limit {
  max: number;
  windowMs: number;
}

export type Decision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** The live row for a window, or null when there is none or its window has ended. */
export function liveRow(row: RateLimit | null, limit: Limit, now: number): RateLimit | null {
  return row && now - row.windowStart < limit.windowMs ? row : null;
}

/** Fixed window: allowed while fewer than `max` attempts were made in it. */
export function decideWindow(row: RateLimit | null, limit: Limit, now: number): Decision {
  if (!row || row.count < limit.max) return { allowed: true };
  return { allowed: false, retryAfterMs: row.windowStart + limit.windowMs - now };
}

/** The wait imposed after the `excess`-th failure beyond the free budget (0-based). */
export function backoffMs(excess: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.min(excess, 20), BACKOFF_CAP_MS);
}

/** Free budget, then capped exponential backoff measured from the last attempt. */
export function decideBackoff(row: RateLimit | null, limit: Limit, now: number): Decision {
  if (!row || row.count < limit.max) return { allowed: true };
  const openAt = Math.min(row.lastAt + backoffMs(row.count - limit.max), row.windowStart + limit.windowMs);
  return now >= openAt ? { allowed: true } : { allowed: false, retryAfterMs: openAt - now };
}

type Scope = 'ip' | 'account';

const PRUNE_EVERY_MS = 10 * 60_000;
let lastPrunedAt = 0;

/** Deletes rows whose window is over (each attempt on a new email adds one), at most every 10 minutes. */
function pruneOccasionally(db: Db, config: Pick<Config, 'rateLimitPerIp' | 'rateLimitPerAccount'>, now: number): void {
  if (now - lastPrunedAt < PRUNE_EVERY_MS) return;
  lastPrunedAt = now;
  pruneRateLimits(db, now - Math.max(config.rateLimitPerIp.windowMs, config.rateLimitPerAccount.windowMs));
}

interface Attempt {
  scope: Scope;
  key: string;
  limit: Limit;
  decide: (row: RateLimit | null, limit: Limit, now: number) => Decision;
  action: string;
}

/**
 * Decides and counts atomically (BEGIN IMMEDIATE serialises concurrent attempts, also across
 * processes). Throws 429 `rate_limited` with Retry-After when refused; records one
 * `rate_limited` event per key and window.
 */
function take(db: Db, attempt: Attempt, client: ClientContext, now: number): void {
  let record = false;
  const decision = db.transaction(
    (tx) => {
      const row = liveRow(findRateLimit(tx, attempt.key), attempt.limit, now);
      const verdict = attempt.decide(row, attempt.limit, now);
      // A refused attempt is not counted: it costs the caller nothing and us no bcrypt work.
      if (verdict.allowed) {
        saveRateLimit(tx, { key: attempt.key, count: (row?.count ?? 0) + 1, windowStart: row?.windowStart ?? now, lastAt: now, limitedAt: row?.limitedAt ?? null });
      } else if (row && (row.limitedAt === null || row.limitedAt < row.windowStart)) {
        saveRateLimit(tx, { ...row, limitedAt: now });
        record = true;
      }
      return verdict;
    },
    { behavior: 'immediate' },
  );
  if (decision.allowed) return;
  if (record) recordSecurityEvent(db, { type: 'rate_limited', client, detail: { scope: attempt.scope, action: attempt.action } }, now);
  throw new AuthError('rate_limited', { retryAfterS: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) });
}

const ipKey = (client: ClientContext) => `ip:${client.ip ?? 'unknown'}`;
const accountKey = (email: string) => `account:${email}`;

/** Counts an auth attempt against the client's IP; throws 429 when its window is used up. */
export function consumeIpAttempt(db: Db, config: Pick<Config, 'rateLimitPerIp' | 'rateLimitPerAccount'>, client: ClientContext, action: string, now: number): void {
  pruneOccasionally(db, config, now);
  take(db, { scope: 'ip', key: ipKey(client), limit: config.rateLimitPerIp, decide: decideWindow, action }, client, now);
}

/** Counts a password attempt on an account (existing or not); throws 429 while it is backed off. */
export function consumeAccountAttempt(db: Db, config: Pick<Config, 'rateLimitPerAccount'>, email: string, client: ClientContext, action: string, now: number): void {
  take(db, { scope: 'account', key: accountKey(email), limit: config.rateLimitPerAccount, decide: decideBackoff, action }, client, now);
}

/** Clears an account's failures after a successful password check. */
export function resetAccountAttempts(db: Db, email: string): void {
  deleteRateLimit(db, accountKey(email));
}
