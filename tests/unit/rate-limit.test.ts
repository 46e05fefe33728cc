import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffMs, decideBackoff, decideWindow, liveRow } from '@/lib/auth/rate-limit';

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
