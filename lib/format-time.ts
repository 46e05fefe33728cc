/**
 * The one way the pages show a point in time: `29 Nov 2026, 21:54:02 UTC`. Client-safe.
 *
 * Built from the UTC fields by hand rather than with Intl or toLocaleString: the server's and the
 * browser's locale, time zone and ICU version can all differ, and a string that depended on any of
 * them would differ between the server HTML and the client render (a hydration mismatch) or
 * between a server-rendered page and a client-rendered panel.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const twoDigits = (n: number) => String(n).padStart(2, '0');

/** Formats an instant (epoch milliseconds, ISO 8601 string or Date) as `29 Nov 2026, 21:54:02 UTC`. */
export function formatTime(at: number | string | Date): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw new TypeError(`formatTime: not a time: ${String(at)}`);
  const month = MONTHS[date.getUTCMonth()] ?? '';
  const time = `${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())}:${twoDigits(date.getUTCSeconds())}`;
  return `${date.getUTCDate()} ${month} ${date.getUTCFullYear()}, ${time} UTC`;
}
