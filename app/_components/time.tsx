import { formatTime } from '@/lib/format-time';

/**
 * A point in time as every page shows it (lib/format-time.ts), with the exact instant in
 * `dateTime`. No 'use client': it renders the same string on the server and in the browser.
 */
export function Time({ at }: { at: number | string | Date }) {
  return <time dateTime={new Date(at).toISOString()}>{formatTime(at)}</time>;
}
