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
 *
 * Counts live behind a small interface (RateLimitCounters): the Store by default, so every
 * instance on one database shares them; an in-memory one for unit tests; a Redis one could be
 * dropped in. In front of it, each process keeps the refusals it has seen until they end, so a
 * flood against one key is answered from memory and stops reaching the database. The cache is
 * exact: a refusal ends at a time the stored row fixes (the end of the window, or the end of the
 * backoff), and no other instance can allow an attempt on that key earlier.
 */
import 'server-only';
import type { RateLimitOutcome, RateLimitRecord, Store } from '@/db/store';
import type { Config } from '@/lib/config';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';

export const BACKOFF_BASE_MS = 30_000;
/**
 * Link mails (password reset, verification) one address may be sent per window, keyed by the
 * address as typed whether or not an account has it (checklist O60): enough for a lost mail or two,
 * too few to flood someone's inbox.
 */
export const LINK_MAILS_PER_ADDRESS: Limit = { max: 3, windowMs: 15 * 60_000 };
export const BACKOFF_CAP_MS = 15 * 60_000;
/**
 * Codes one second-step challenge may be tried with (checklist 63): on top of the per-account
 * backoff, so one password step buys a handful of guesses at 6 digits, never more. The window
 * outlives the challenge (5 minutes), so the cap holds for the challenge's whole life.
 */
export const CODE_ATTEMPTS_PER_CHALLENGE: Limit = { max: 5, windowMs: 10 * 60_000 };

export interface Limit {
  max: number;
  windowMs: number;
}

export type Decision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Where counts are kept. */
export interface RateLimitCounters {
  /** Reads the key's row, lets `decide` choose what to write, and writes it, atomically per key. */
  consume<T>(key: string, decide: (row: RateLimitRecord | null) => RateLimitOutcome<T>): Promise<T>;
  reset(key: string): Promise<void>;
}

/** Counts in the Store: shared by every instance on the database, kept across restarts. */
export function storeCounters(store: Store): RateLimitCounters {
  return { consume: (key, decide) => store.consumeRateLimit(key, decide), reset: (key) => store.deleteRateLimit(key) };
}

/** Counts in this process's memory (unit tests; a single instance that may forget on restart). */
export function memoryCounters(): RateLimitCounters {
  const rows = new Map<string, RateLimitRecord>();
  return {
    async consume(key, decide) {
      const outcome = decide(rows.get(key) ?? null);
      if (outcome.save) rows.set(key, outcome.save);
      return outcome.result;
    },
    async reset(key) {
      rows.delete(key);
    },
  };
}

/** The live row for a window, or null when there is none or its window has ended. */
export function liveRow(row: RateLimitRecord | null, limit: Limit, now: number): RateLimitRecord | null {
  return row && now - row.windowStart < limit.windowMs ? row : null;
}

/** Fixed window: allowed while fewer than `max` attempts were made in it. */
export function decideWindow(row: RateLimitRecord | null, limit: Limit, now: number): Decision {
  if (!row || row.count < limit.max) return { allowed: true };
  return { allowed: false, retryAfterMs: row.windowStart + limit.windowMs - now };
}

/** The wait imposed after the `excess`-th failure beyond the free budget (0-based). */
export function backoffMs(excess: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.min(excess, 20), BACKOFF_CAP_MS);
}

/** Free budget, then capped exponential backoff measured from the last attempt. */
export function decideBackoff(row: RateLimitRecord | null, limit: Limit, now: number): Decision {
  if (!row || row.count < limit.max) return { allowed: true };
  const openAt = Math.min(row.lastAt + backoffMs(row.count - limit.max), row.windowStart + limit.windowMs);
  return now >= openAt ? { allowed: true } : { allowed: false, retryAfterMs: openAt - now };
}

type Scope = 'ip' | 'account' | 'mailbox' | 'challenge' | 'api_key';

interface Attempt {
  scope: Scope;
  key: string;
  limit: Limit;
  decide: (row: RateLimitRecord | null, limit: Limit, now: number) => Decision;
  action: string;
}

/** At most this many refusals are remembered per process; the oldest go first. */
const REFUSALS_KEPT = 10_000;

export type LimitsConfig = Pick<Config, 'rateLimitPerIp' | 'rateLimitPerAccount'>;
export type ApiKeyLimitsConfig = Pick<Config, 'rateLimitPerApiKey'>;

/** Rate limits and backoff over a set of counters, with this process's cache of current refusals. */
export class RateLimiter {
  private readonly refusedUntil = new Map<string, number>();

  constructor(private readonly counters: RateLimitCounters) {}

  /**
   * Decides and counts atomically. Throws 429 `rate_limited` with Retry-After when refused;
   * records one `rate_limited` event per key and window.
   */
  private async take(store: Store, attempt: Attempt, client: ClientContext, now: number): Promise<void> {
    const until = this.refusedUntil.get(attempt.key);
    if (until !== undefined) {
      if (now < until) throw rateLimited(until - now);
      this.refusedUntil.delete(attempt.key);
    }
    const { decision, record } = await this.counters.consume<{ decision: Decision; record: boolean }>(attempt.key, (stored) => {
      const row = liveRow(stored, attempt.limit, now);
      const verdict = attempt.decide(row, attempt.limit, now);
      // A refused attempt is not counted: it costs the caller nothing and us no bcrypt work.
      if (verdict.allowed) {
        return { save: { key: attempt.key, count: (row?.count ?? 0) + 1, windowStart: row?.windowStart ?? now, lastAt: now, limitedAt: row?.limitedAt ?? null }, result: { decision: verdict, record: false } };
      }
      if (row && (row.limitedAt === null || row.limitedAt < row.windowStart)) {
        return { save: { ...row, limitedAt: now }, result: { decision: verdict, record: true } };
      }
      return { save: null, result: { decision: verdict, record: false } };
    });
    if (decision.allowed) return;
    this.remember(attempt.key, now + decision.retryAfterMs);
    if (record) await recordSecurityEvent(store, { type: 'rate_limited', client, detail: { scope: attempt.scope, action: attempt.action } }, now);
    throw rateLimited(decision.retryAfterMs);
  }

  private remember(key: string, until: number): void {
    this.refusedUntil.delete(key);
    if (this.refusedUntil.size >= REFUSALS_KEPT) {
      const oldest = this.refusedUntil.keys().next();
      if (!oldest.done) this.refusedUntil.delete(oldest.value);
    }
    this.refusedUntil.set(key, until);
  }

  /** Counts an auth attempt against the client's IP; throws 429 when its window is used up. */
  consumeIp(store: Store, config: LimitsConfig, client: ClientContext, action: string, now: number): Promise<void> {
    return this.take(store, { scope: 'ip', key: ipKey(client), limit: config.rateLimitPerIp, decide: decideWindow, action }, client, now);
  }

  /** Counts a password attempt on an account (existing or not); throws 429 while it is backed off. */
  consumeAccount(store: Store, config: LimitsConfig, email: string, client: ClientContext, action: string, now: number): Promise<void> {
    return this.take(store, { scope: 'account', key: accountKey(email), limit: config.rateLimitPerAccount, decide: decideBackoff, action }, client, now);
  }

  /** Counts a link mail to an address (existing account or not); throws 429 when its window is used up. */
  consumeMailbox(store: Store, email: string, client: ClientContext, action: string, now: number): Promise<void> {
    return this.take(store, { scope: 'mailbox', key: mailboxKey(email), limit: LINK_MAILS_PER_ADDRESS, decide: decideWindow, action }, client, now);
  }

  /** Counts a code tried on a second-step challenge (its stored id); throws 429 when the challenge has had its share. */
  consumeChallenge(store: Store, challengeId: string, client: ClientContext, now: number): Promise<void> {
    return this.take(store, { scope: 'challenge', key: `challenge:${challengeId}`, limit: CODE_ATTEMPTS_PER_CHALLENGE, decide: decideWindow, action: 'two_factor' }, client, now);
  }

  /** Counts a request authenticated by an API key (RATE_LIMIT_PER_API_KEY); throws 429 when its window is used up. */
  consumeApiKey(store: Store, config: ApiKeyLimitsConfig, keyId: string, client: ClientContext, now: number): Promise<void> {
    return this.take(store, { scope: 'api_key', key: apiKeyRateKey(keyId), limit: config.rateLimitPerApiKey, decide: decideWindow, action: 'api_key' }, client, now);
  }

  /** Clears an account's failures after a successful password check. */
  async resetAccount(email: string): Promise<void> {
    this.refusedUntil.delete(accountKey(email));
    await this.counters.reset(accountKey(email));
  }
}

function rateLimited(retryAfterMs: number): AuthError {
  return new AuthError('rate_limited', { retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}

const ipKey = (client: ClientContext) => `ip:${client.ip ?? 'unknown'}`;

/** The rate-limit key of the requests made with one API key. */
export const apiKeyRateKey = (keyId: string) => `api_key:${keyId}`;

/** The rate-limit key of an account's sign-in failures (also deleted with the account). */
export const accountKey = (email: string) => `account:${email}`;

/** The rate-limit key of link mails to an address (also deleted with the account). */
export const mailboxKey = (email: string) => `mailbox:${email}`;

const limiters = new WeakMap<Store, RateLimiter>();

/** The limiter of a Store (one per process and Store, so its refusal cache is shared by every request). */
export function rateLimiterFor(store: Store): RateLimiter {
  let limiter = limiters.get(store);
  if (!limiter) {
    limiter = new RateLimiter(storeCounters(store));
    limiters.set(store, limiter);
  }
  return limiter;
}
