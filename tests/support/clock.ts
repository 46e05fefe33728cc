/**
 * The frozen clock for integration tests. Route handlers call Date.now(), so only `Date` is
 * faked: bcryptjs (setImmediate/nextTick), jose and better-sqlite3 keep running normally.
 */
import { vi } from 'vitest';

/** Freezes Date at `at` (ms). */
export function freezeClock(at: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
}

/** Moves the frozen clock forward (or back) by `ms`. */
export function advanceClock(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

export function restoreClock(): void {
  vi.useRealTimers();
}
