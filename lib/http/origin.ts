/**
 * The app's own origin for a request, and the log line for a request refused for its Origin.
 * Edge-safe: the middleware imports it (URL and console only).
 */
import type { Config } from '@/lib/config';

type OriginConfig = Pick<Config, 'production' | 'appOrigin'>;

/** Dotted-decimal IPv4, the only form `URL` leaves an IPv4 host in (it normalises `0x7f.1` and the like). */
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Whether a URL hostname (as `URL` normalises it) is `localhost` or an IP literal: loopback
 * (127.0.0.0/8, [::1]) or the LAN address `next dev` prints as "Network:".
 */
export function isLocalAddress(hostname: string): boolean {
  return hostname === 'localhost' || IPV4.test(hostname) || (hostname.startsWith('[') && hostname.endsWith(']'));
}

/**
 * The origin a request was sent to, as the browser saw it: the scheme Next.js decided on (in the
 * request URL) and the `Host` header. Next builds the URL's host from its own listening address
 * (`localhost:<port>`), not from `Host`, so the URL alone cannot tell `127.0.0.1:3000` from
 * `localhost:3000`. A Host that is not a plain `host[:port]` (a path, user info, a port `URL`
 * would drop) gives null.
 */
export function requestOrigin(request: Request): string | null {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return null;
  }
  const host = request.headers.get('host') ?? url.host;
  try {
    const parsed = new URL(`${url.protocol}//${host}`);
    return parsed.host === host.toLowerCase() ? parsed.origin : null;
  } catch {
    return null;
  }
}

/**
 * The origin the app lives at for a request: APP_ORIGIN, or in development the origin the request
 * itself was served at when its host is `localhost` or an IP literal. So `next dev` opened at
 * `http://127.0.0.1:3000`, at its "Network:" address or on port 3001 works with the default
 * APP_ORIGIN. Production always answers APP_ORIGIN.
 *
 * Why only localhost and IP literals: the risk of following the request is DNS rebinding, where a
 * hostile page at `http://evil.example:3000` has its name re-pointed at this machine, so its
 * requests arrive with Host and Origin both `evil.example:3000`. Such a page always has a domain
 * name as its Host, never an IP literal (and `localhost` never leaves the browser's machine), so
 * an Origin equal to an IP-literal or localhost Host means the page really was served from this
 * address. This opens nothing to other sites.
 */
export function effectiveAppOrigin(config: OriginConfig, ownOrigin: string | null): string {
  if (config.production || ownOrigin === null) return config.appOrigin;
  let url: URL;
  try {
    url = new URL(ownOrigin);
  } catch {
    return config.appOrigin;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !isLocalAddress(url.hostname)) return config.appOrigin;
  return url.origin;
}

/** Whether a request's `Origin` header names the app: APP_ORIGIN, or the development rule above. */
export function isAppOrigin(config: OriginConfig, origin: string, request: Request): boolean {
  return origin === config.appOrigin || origin === effectiveAppOrigin(config, requestOrigin(request));
}

/** Longest Origin value written to the log; longer ones are cut. */
const MAX_LOGGED_LENGTH = 200;
/**
 * Distinct origins logged per process. A wrong APP_ORIGIN sends the same origin on every request,
 * so its first refusal says all an operator needs; a cap (rather than a line per minute) keeps
 * hostile pages from filling the log, and memory bounded, while the first origins seen, usually the
 * site's own, are still named.
 */
const MAX_LOGGED_ORIGINS = 16;
const loggedOrigins = new Set<string>();

/** An untrusted header value made safe for one log line: printable ASCII only, length capped. */
export function sanitizeForLog(value: string, maxLength = MAX_LOGGED_LENGTH): string {
  const cut = value.length > maxLength;
  const printable = value.slice(0, maxLength).replace(/[^\x20-\x7e]/g, '?');
  return cut ? `${printable}...` : printable;
}

/**
 * In production, writes one warn line naming APP_ORIGIN the first time a request is refused for a
 * given Origin (at most MAX_LOGGED_ORIGINS per process), so an operator whose APP_ORIGIN is wrong
 * sees why every sign-in fails.
 */
export function logOriginRefused(config: OriginConfig, origin: string): void {
  if (!config.production) return;
  const shown = sanitizeForLog(origin);
  if (loggedOrigins.has(shown) || loggedOrigins.size >= MAX_LOGGED_ORIGINS) return;
  loggedOrigins.add(shown);
  console.warn(
    JSON.stringify({
      level: 'warn',
      event: 'origin_refused',
      at: new Date().toISOString(),
      origin: shown,
      appOrigin: config.appOrigin,
      hint: "set APP_ORIGIN to the site's public origin",
    }),
  );
}
