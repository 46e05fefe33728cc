/**
 * `fetch` for client components, for our own API: on a "not signed in" 401 it refreshes the session once
 * (POST /api/auth/refresh, which rotates the HttpOnly cookies) and retries the request once.
 *
 * Single flight: however many requests fail together, they share ONE refresh. The seeds' axios
 * interceptor started one refresh per failed request; with rotating refresh tokens that is a
 * race (the server's reuse grace window forgives it, but it doubles the work and the log noise).
 * A request that was sent before a refresh finished and failed with the old token is retried
 * at once, without starting another refresh.
 *
 * When the refresh fails, `authFetch` resolves to the original 401 response and does NOT navigate:
 * the caller decides (a page usually sends the user to `loginPath(location.pathname)`), which
 * keeps this helper free of side effects and usable from any component or test.
 *
 * Client-safe: no server imports. Tokens never pass through JavaScript; only cookies carry them.
 */

export const REFRESH_PATH = '/api/auth/refresh';

let inFlight: Promise<boolean> | null = null;
/** Counts successful refreshes, so a request can tell whether one finished after it was sent. */
let refreshes = 0;

/**
 * Refreshes the session (rotating both cookies); concurrent callers share one request.
 * Resolves to whether the session is live again; never rejects.
 */
export function refreshSession(): Promise<boolean> {
  inFlight ??= fetch(REFRESH_PATH, { method: 'POST', credentials: 'same-origin', cache: 'no-store' })
    .then(
      (response) => {
        if (response.ok) refreshes += 1;
        return response.ok;
      },
      () => false,
    )
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

function pathOf(input: RequestInfo | URL): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(url, 'http://relative.invalid').pathname;
  } catch {
    return url;
  }
}

/**
 * Whether a response says "not signed in" (as opposed to, say, a wrong current password, which is
 * a 401 `invalid_credentials`): our API and the middleware send `WWW-Authenticate` with exactly
 * those 401s (RFC 6750 3). Only they are worth a refresh.
 */
export function isSessionExpired(response: Response): boolean {
  return response.status === 401 && response.headers.has('www-authenticate');
}

/**
 * Like `fetch`, but a "not signed in" 401 triggers one shared refresh and one retry. Bodies must
 * be replayable (string, FormData, Blob, URLSearchParams, or a Request, which is cloned).
 */
export async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  // A Request's body can be read once: keep a copy for the retry before the first attempt.
  const retryInput = input instanceof Request ? input.clone() : input;
  const refreshesAtSend = refreshes;
  const response = await fetch(input, init);
  if (!isSessionExpired(response) || pathOf(input) === REFRESH_PATH) return response;

  const live = refreshes !== refreshesAtSend || (await refreshSession());
  if (!live) return response;
  // Free the first response's connection; we answer with the retry.
  await response.body?.cancel().catch(() => undefined);
  return fetch(retryInput, init);
}
