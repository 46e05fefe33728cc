/**
 * Which pages need a signed-in user. Edge-safe (the middleware imports it). API routes are not
 * listed: they are outside the middleware's matcher and each protected one authenticates itself
 * (lib/auth/guard.ts).
 */
// `/bench/auth` exists only for `npm run bench` (404 unless BENCH_ROUTES is set).
// `/authorize`: a native app's sign-in request, confirmed by the signed-in user (RFC 8252).
export const PROTECTED_PAGES = ['/dashboard', '/account', '/authorize', '/bench/auth'] as const;
/** Pages for signed-out visitors: a signed-in user (after a silent refresh if need be) is sent on. */
export const GUEST_PAGES = ['/login', '/register'] as const;

/**
 * The path as routing will see it, for deciding what is protected: percent-decoded, lower-cased,
 * backslashes as slashes, repeated and trailing slashes removed. Deciding on a normalised path
 * means `/Dashboard/`, `/%64ashboard` or `//dashboard` cannot slip past (checklist D23).
 */
export function normalizePath(pathname: string): string {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // Malformed escapes: decide on the raw text.
  }
  path = path.replace(/\\/g, '/').replace(/\/{2,}/g, '/').toLowerCase();
  if (path.length > 1) path = path.replace(/\/+$/, '');
  return path || '/';
}

const within = (path: string, bases: readonly string[]) => bases.some((base) => path === base || path.startsWith(`${base}/`));

export type Protection = 'page' | 'guest' | null;

/** Whether a request path is a protected page, a guest page, or public. */
export function protectionOf(pathname: string): Protection {
  const path = normalizePath(pathname);
  if (within(path, PROTECTED_PAGES)) return 'page';
  if (GUEST_PAGES.includes(path as (typeof GUEST_PAGES)[number])) return 'guest';
  return null;
}
