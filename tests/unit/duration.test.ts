import { describe, expect, it } from 'vitest';
import { parseDuration, toSeconds } from '@/lib/duration';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['900', 900_000],
    ['1', 1_000],
    [' 15m ', 900_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '0', '0s', '0d', '-5m', '1.5h', '15 m', '15min', '15M', '10w', 'm', 's15', '1e3', '0x10', 'Infinity', 'NaN', '9999999999', '999999999d'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );
});

describe('toSeconds', () => {
  it('rounds down to whole seconds and never goes below zero', () => {
    expect(toSeconds(900_000)).toBe(900);
    expect(toSeconds(1_999)).toBe(1);
    expect(toSeconds(999)).toBe(0);
    expect(toSeconds(0)).toBe(0);
    expect(toSeconds(-5_000)).toBe(0);
  });
});
