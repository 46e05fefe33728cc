import { describe, expect, it } from 'vitest';
import type { Store } from '@/db/store';
import { AuthError } from '@/lib/auth/errors';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffMs, decideBackoff, decideWindow, liveRow, memoryCounters, RateLimiter, type RateLimitCounters } from '@/lib/auth/rate-limit';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const limit = { max: 10, windowMs: 15 * 60_000 };
const row = (count: number, windowStart: number, lastAt: number) => ({ key: 'k', count, windowStart, lastAt, limitedAt: null });

describe('fixed window (per IP)', () => {
  it('allows up to max attempts, then refuses until the window ends', () => {
    expect(decideWindow(null, limit, NOW)).toEqual({ allowed: true });
    expect(decideWindow(row(9, NOW - 1000, NOW), limit, NOW)).toEqual({ allowed: true });
    expect(decideWindow(row(10, NOW - 60_000, NOW), limit, NOW)).toEqual({ allowed: false, retryAfterMs: limit.windowMs - 60_000 });
  });

  it('forgets a row once its window has passed', () => {
    expect(liveRow(row(50, NOW - limit.windowMs, NOW - 1), limit, NOW)).toBeNull();
    expect(liveRow(row(50, NOW - limit.windowMs + 1, NOW - 1), limit, NOW)).not.toBeNull();
  });
});

describe('backoff (per account)', () => {
  it('doubles from the base and stops at the cap', () => {
    expect(backoffMs(0)).toBe(BACKOFF_BASE_MS);
    expect(backoffMs(1)).toBe(2 * BACKOFF_BASE_MS);
    expect(backoffMs(3)).toBe(8 * BACKOFF_BASE_MS);
    expect(backoffMs(50)).toBe(BACKOFF_CAP_MS);
  });

  it('gives the free budget, then makes each attempt wait from the last one', () => {
    expect(decideBackoff(row(9, NOW - 5000, NOW - 10), limit, NOW)).toEqual({ allowed: true });
    expect(decideBackoff(row(10, NOW - 5000, NOW - 10), limit, NOW)).toEqual({ allowed: false, retryAfterMs: BACKOFF_BASE_MS - 10 });
    expect(decideBackoff(row(10, NOW - 5000, NOW - BACKOFF_BASE_MS), limit, NOW)).toEqual({ allowed: true });
    expect(decideBackoff(row(12, NOW - 5000, NOW), limit, NOW)).toEqual({ allowed: false, retryAfterMs: 4 * BACKOFF_BASE_MS });
  });

  it('never keeps the owner out past the end of the window (no permanent lockout)', () => {
    const windowStart = NOW - limit.windowMs + 60_000; // one minute of window left
    const decision = decideBackoff(row(40, windowStart, NOW), limit, NOW);
    expect(decision).toEqual({ allowed: false, retryAfterMs: 60_000 });
  });
});

describe('the in-process cache of current refusals', () => {
  /** Memory counters that count how often they are asked (the database round trips a flood would cost). */
  function countingCounters() {
    const inner = memoryCounters();
    const calls = { consume: 0, reset: 0 };
    const counters: RateLimitCounters = {
      consume: (key, decide) => {
        calls.consume += 1;
        return inner.consume(key, decide);
      },
      reset: (key) => {
        calls.reset += 1;
        return inner.reset(key);
      },
    };
    return { counters, calls };
  }
  const config = { rateLimitPerIp: { max: 3, windowMs: 60_000 }, rateLimitPerAccount: { max: 2, windowMs: 15 * 60_000 } };
  const client = { ip: '203.0.113.7', userAgent: null };
  // The refusal event goes to a Store; a stub that records is enough here (the Store is tested for real elsewhere).
  const events: string[] = [];
  const store = { addSecurityEvents: async (rows: { type: string }[]) => void events.push(...rows.map((row) => row.type)) } as unknown as Store;

  async function refused(attempt: Promise<void>): Promise<number> {
    const error = await attempt.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('rate_limited');
    return (error as AuthError).details.retryAfterS ?? 0;
  }

  it('a flood against one key stops reaching the counters once it is refused, and says the same wait', async () => {
    const { counters, calls } = countingCounters();
    const limiter = new RateLimiter(counters);
    for (let i = 0; i < 3; i += 1) await limiter.consumeIp(store, config, client, 'sign_in', NOW);
    const first = await refused(limiter.consumeIp(store, config, client, 'sign_in', NOW));
    const asked = calls.consume;
    for (let i = 0; i < 1000; i += 1) expect(await refused(limiter.consumeIp(store, config, client, 'sign_in', NOW + 1000))).toBeLessThanOrEqual(first);
    expect(calls.consume).toBe(asked);
    // One event for the window, not one per refused attempt.
    expect(events.filter((type) => type === 'rate_limited')).toHaveLength(1);
  });

  it('forgets a refusal when it ends: the next attempt reaches the counters and is allowed', async () => {
    const { counters, calls } = countingCounters();
    const limiter = new RateLimiter(counters);
    for (let i = 0; i < 3; i += 1) await limiter.consumeIp(store, config, client, 'sign_in', NOW);
    const wait = await refused(limiter.consumeIp(store, config, client, 'sign_in', NOW));
    const asked = calls.consume;
    await limiter.consumeIp(store, config, client, 'sign_in', NOW + wait * 1000);
    expect(calls.consume).toBe(asked + 1);
  });

  it('a successful password check clears the account at once, also from the cache', async () => {
    const { counters } = countingCounters();
    const limiter = new RateLimiter(counters);
    const email = 'owner@example.com';
    await limiter.consumeAccount(store, config, email, client, 'sign_in', NOW);
    await limiter.consumeAccount(store, config, email, client, 'sign_in', NOW);
    await refused(limiter.consumeAccount(store, config, email, client, 'sign_in', NOW));
    await limiter.resetAccount(email);
    await limiter.consumeAccount(store, config, email, client, 'sign_in', NOW);
  });

  it('keys do not share refusals', async () => {
    const limiter = new RateLimiter(memoryCounters());
    for (let i = 0; i < 3; i += 1) await limiter.consumeIp(store, config, client, 'sign_in', NOW);
    await refused(limiter.consumeIp(store, config, client, 'sign_in', NOW));
    await limiter.consumeIp(store, config, { ip: '203.0.113.8', userAgent: null }, 'sign_in', NOW);
  });
});
