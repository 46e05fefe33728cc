/**
 * Edge middleware for pages: the CSP with a per-request nonce, access-token checks on protected
 * pages, and silent refresh. API routes are outside its matcher: each protected route handler
 * verifies the token and the session itself (it always did) and answers 401 `unauthenticated`
 * with `WWW-Authenticate: Bearer`; the client helper (lib/client/fetch.ts) then refreshes once
 * and retries. That spares every API call a pass through Next's Edge sandbox (issue 11: about
 * 0.9 ms of CPU per request on our 2-core machines), and their static headers, a CSP for JSON
 * included, come from next.config.js.
 *
 * - Verifies the access cookie with the edge-safe verifier (key imported once per isolate,
 *   verified tokens cached by string, expiry still checked on each use).
 * - When the access token is missing or expired and a refresh cookie is present, it calls
 *   POST /api/auth/refresh itself (the only code that may touch the database is Node code; the
 *   edge never opens it), then lets the request continue with the new cookies in its Cookie
 *   header, so server components and route handlers downstream see the new identity in the same
 *   navigation, and returns the rotated cookies to the browser.
 * - Signed out: protected pages redirect to /login?next=<path>.
 * - On the guest pages (/login, /register) it refreshes the same way, so a user whose access
 *   cookie merely expired is recognised there and sent on to /dashboard by the page.
 *
 * It is a convenience and a first line only: route handlers and server components verify the
 * token again (and check the session in the database), so a bypass of this file, such as a forged
 * `x-middleware-subrequest` header, gains nothing.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { clearAuthCookies, cookieNames, readAuthCookies, type CarriedCookies } from '@/lib/auth/cookies';
import { contentSecurityPolicy, createNonce } from '@/lib/auth/csp';
import { protectionOf, type Protection } from '@/lib/auth/paths';
import { looksLikeRefreshToken } from '@/lib/auth/refresh-format';
import { verifyAccessToken } from '@/lib/auth/access-token';
import { getConfig, type Config } from '@/lib/config';
import { CLIENT_ADDRESS_HEADER, FORWARDED_ADDRESS_HEADER, FORWARDED_ADDRESS_MAC_HEADER, forwardedAddressMac } from '@/lib/http/forwarded-address';
import { effectiveAppOrigin } from '@/lib/http/origin';

/** Replaces (or adds) cookies in a Cookie request header, keeping every other cookie. */
function withCookies(header: string | null, replacements: Map<string, string>): string {
  const kept = (header ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !replacements.has(part.slice(0, part.indexOf('=')).trim()));
  for (const [name, value] of replacements) if (value !== '') kept.push(`${name}=${value}`);
  return kept.join('; ');
}

interface Refreshed {
  status: number;
  /** The refresh route's Set-Cookie lines, passed on to the browser as they are after a success. */
  setCookies: string[];
  /** New cookie values by name, for the forwarded request. */
  values: Map<string, string>;
}

/**
 * Calls the refresh route with only the refresh cookie and the client's user agent and forwarding
 * headers (so the session's "last seen" IP and device stay the client's). The target origin is
 * APP_ORIGIN, never the request's Host header, which a client controls; in development it is the
 * address this server listens on as Next.js gives it (`nextUrl.origin`, `localhost:<port>`), so
 * `next dev` on another port than APP_ORIGIN's still reaches itself (lib/http/origin.ts).
 *
 * Without a trusted proxy, the call goes through server.mjs again, which would record the app's
 * own address; so the client's address (from server.mjs) travels in x-forwarded-client-address
 * with a MAC the refresh route checks (lib/http/forwarded-address.ts). Failed refreshes then
 * count against the sender's own rate-limit bucket, not one that every client shares.
 */
async function refresh(request: NextRequest, refreshName: string, refreshToken: string, config: Config, appOrigin: string): Promise<Refreshed | null> {
  const headers = new Headers({ cookie: `${refreshName}=${refreshToken}` });
  for (const name of ['user-agent', 'x-forwarded-for', 'x-real-ip']) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const clientAddress = request.headers.get(CLIENT_ADDRESS_HEADER);
  if (!config.trustProxy && config.trustClientAddressHeader && clientAddress !== null) {
    headers.set(FORWARDED_ADDRESS_HEADER, clientAddress);
    headers.set(FORWARDED_ADDRESS_MAC_HEADER, await forwardedAddressMac(config.accessTokenSecret, clientAddress));
  }
  let response: Response;
  try {
    response = await fetch(new URL('/api/auth/refresh', appOrigin), { method: 'POST', headers, cache: 'no-store', redirect: 'manual' });
  } catch {
    return null; // The app itself is unreachable: treat as not signed in, keep the cookies.
  }
  const setCookies = response.headers.getSetCookie();
  const values = new Map<string, string>();
  for (const line of setCookies) {
    const pair = line.split(';', 1)[0] ?? '';
    const index = pair.indexOf('=');
    if (index > 0) values.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
  }
  return { status: response.status, setCookies, values };
}

/**
 * The answer for a request that is not signed in. Cookies are cleared only when the server said
 * the session is over (a 401 from refresh, or no usable refresh cookie); a refresh refused for
 * another reason (429, an outage) keeps them, so a busy server never signs anyone out. Only the
 * cookies the browser sent are cleared: the refresh route's own clearing lines are not passed on,
 * since its internal call carried only the refresh cookie, and clearing here from what the
 * browser carried covers both (a cookie-less request gets no clearing Set-Cookie at all).
 */
function signedOut(
  request: NextRequest,
  requestHeaders: Headers,
  protection: Exclude<Protection, null>,
  secure: boolean,
  refreshed: Refreshed | null,
  carried: CarriedCookies,
): NextResponse {
  let response: NextResponse;
  if (protection === 'guest') {
    // The sign-in and register pages render for anyone who is not signed in.
    response = NextResponse.next({ request: { headers: requestHeaders } });
  } else {
    const login = new URL('/login', request.nextUrl.origin);
    login.searchParams.set('next', `${request.nextUrl.pathname}${request.nextUrl.search}`);
    response = NextResponse.redirect(login, 303);
  }
  if (refreshed === null || refreshed.status === 401) clearAuthCookies(response.cookies, secure, carried);
  response.headers.set('Cache-Control', 'no-store');
  return response;
}

function withSecurityHeaders(response: NextResponse, csp: string): NextResponse {
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export async function middleware(request: NextRequest): Promise<NextResponse> {
  const config = getConfig();
  const nonce = createNonce();
  const csp = contentSecurityPolicy(nonce, config.production);
  const requestHeaders = new Headers(request.headers);
  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts.
  requestHeaders.set('content-security-policy', csp);
  requestHeaders.set('x-nonce', nonce);

  const protection = protectionOf(request.nextUrl.pathname);
  if (protection === null) {
    return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp);
  }

  const names = cookieNames(config.cookieSecure);
  const now = Date.now();
  // The one cookie reader (lib/auth/cookies.ts): a name sent twice counts as absent, here as in
  // the route handlers and pages, so they never see two identities in one request.
  const presented = readAuthCookies(request.headers.get('cookie'), config.cookieSecure);
  const access = presented.access;
  const verified = access ? await verifyAccessToken(access, now) : null;
  // A DPoP-bound token (`cnf`) never lives in a cookie: one found there was copied, and counts as none.
  if (verified?.ok && verified.claims.cnf === undefined) {
    return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp);
  }

  const refreshToken = presented.refresh;
  // Garbage (wrong shape, non-ASCII, oversized) is "signed out" without a call to the refresh route.
  if (!refreshToken || !looksLikeRefreshToken(refreshToken)) {
    if (protection === 'guest' && !refreshToken && !access) return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp);
    return withSecurityHeaders(signedOut(request, requestHeaders, protection, config.cookieSecure, null, presented.carried), csp);
  }

  const refreshed = await refresh(request, names.refresh, refreshToken, config, effectiveAppOrigin(config, request.nextUrl.origin));
  if (refreshed === null || refreshed.status !== 200) {
    return withSecurityHeaders(signedOut(request, requestHeaders, protection, config.cookieSecure, refreshed ?? { status: 503, setCookies: [], values: new Map() }, presented.carried), csp);
  }

  requestHeaders.set('cookie', withCookies(request.headers.get('cookie'), refreshed.values));
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const line of refreshed.setCookies) response.headers.append('set-cookie', line);
  response.headers.set('Cache-Control', 'no-store');
  return withSecurityHeaders(response, csp);
}

export const config = {
  // Every page but build assets and files: protection is decided inside, on the normalised path,
  // so no spelling of a protected page can dodge the matcher. Left out:
  // - everything under /api/: route handlers check Origin, body and tokens themselves (a protected
  //   one answers 401 with WWW-Authenticate) and need no CSP nonce; their static headers come from
  //   next.config.js. This also keeps the middleware's own internal refresh call out of here.
  //   A path that merely looks like an API in another spelling (`/API/…`, `//api/…`) still passes
  //   through here; Next.js routes it to no handler.
  // - the benchmark's `open` page (404 unless BENCH_ROUTES is set), to measure a page without
  //   any middleware.
  // - /.well-known/jwks.json, public keys rewritten to the API route /api/well-known/jwks (the
  //   middleware sees the path before the rewrite); its headers come from next.config.js too.
  matcher: ['/((?!_next/static|_next/image|favicon\\.ico|robots\\.txt|sitemap\\.xml|api/|\\.well-known/jwks\\.json$|bench/open$).*)'],
};
