/**
 * Durations as the configuration writes them: `90s`, `15m`, `2h`, `7d`, or plain seconds.
 * Edge-safe: no Node imports.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d{1,9})(s|m|h|d)?$/;

/** Parses a duration to milliseconds, or returns null when the text is not one (or is zero). */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
  const ms = amount * UNIT_MS[unit];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

/** Milliseconds to whole seconds, rounding down, never below zero (for Max-Age and `exp`). */
export function toSeconds(ms: number): number {
  return Math.max(0, Math.floor(ms / 1000));
}

/** A duration in words for people ("30 minutes", "24 hours", "7 days"), in its largest whole unit. */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [UNIT_MS.d, 'day'],
    [UNIT_MS.h, 'hour'],
    [UNIT_MS.m, 'minute'],
    [UNIT_MS.s, 'second'],
  ];
  for (const [size, name] of units) {
    // Days only from two on: "24 hours" reads better than "1 day" for a link's lifetime.
    if (ms % size === 0 && (name !== 'day' || ms >= 2 * size)) {
      const count = ms / size;
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${Math.ceil(ms / 1000)} seconds`;
}

/** One day in milliseconds, for lifetimes counted in days (API keys). */
export const DAY_MS = UNIT_MS.d;
