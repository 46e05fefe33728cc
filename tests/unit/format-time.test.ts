import { afterEach, describe, expect, it } from 'vitest';
import { formatTime } from '@/lib/format-time';

const ORIGINAL_TZ = process.env.TZ;

afterEach(() => {
  process.env.TZ = ORIGINAL_TZ;
});

describe('formatTime', () => {
  it('shows day, month, year and time to the second, in UTC', () => {
    expect(formatTime(Date.UTC(2026, 10, 29, 21, 54, 2))).toBe('29 Nov 2026, 21:54:02 UTC');
    expect(formatTime(Date.UTC(2027, 0, 1, 0, 0, 0))).toBe('1 Jan 2027, 00:00:00 UTC');
  });

  it('reads epoch milliseconds, ISO strings and Dates alike', () => {
    const ms = Date.UTC(2026, 4, 9, 7, 5, 3, 999);
    const expected = '9 May 2026, 07:05:03 UTC';
    expect(formatTime(ms)).toBe(expected);
    expect(formatTime(new Date(ms).toISOString())).toBe(expected);
    expect(formatTime(new Date(ms))).toBe(expected);
  });

  it('does not depend on the process time zone (server and browser render the same string)', () => {
    const ms = Date.UTC(2026, 11, 31, 23, 30, 0);
    process.env.TZ = 'Pacific/Kiritimati';
    const far = formatTime(ms);
    process.env.TZ = 'America/Los_Angeles';
    expect(formatTime(ms)).toBe(far);
    expect(far).toBe('31 Dec 2026, 23:30:00 UTC');
  });

  it('refuses what is not a time', () => {
    expect(() => formatTime('not a date')).toThrow(TypeError);
  });
});
