/**
 * Calling the account API from the account page's client components.
 *
 * Why not `authFetch`: it refreshes and retries on every 401, but POST /api/auth/password answers
 * 401 `invalid_credentials` for a wrong current password, and retrying that would spend a second
 * password check (and a refresh) for nothing. So: refresh (single-flight, shared with authFetch)
 * and retry only on a 401 about the session. Client-safe.
 */
import { loginPath } from '@/lib/auth/redirects';
import { problemOf, networkProblem, type Problem } from '@/lib/client/api';
import { refreshSession } from '@/lib/client/fetch';

export type Outcome = { kind: 'ok' } | { kind: 'signed-out' } | { kind: 'problem'; status: number; problem: Problem };

/**
 * Whether a response says the session is over (rather than, say, the password being wrong).
 * POST /api/auth/logout is not a protected path, so the middleware does not refresh it and its
 * 401 has no challenge: its code, `unauthenticated`, tells.
 */
async function isSessionProblem(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  if (response.headers.has('www-authenticate')) return true;
  return (await problemOf(response.clone())).code === 'unauthenticated';
}

/** Sends a JSON request to our API; resolves to ok, signed-out (even a refresh could not help) or the problem. */
export async function sendJson(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Outcome> {
  const send = () =>
    fetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  let response: Response;
  try {
    response = await send();
    if (await isSessionProblem(response)) {
      await response.body?.cancel().catch(() => undefined);
      if (!(await refreshSession())) return { kind: 'signed-out' };
      response = await send();
      if (await isSessionProblem(response)) return { kind: 'signed-out' };
    }
  } catch {
    return { kind: 'problem', status: 0, problem: networkProblem };
  }
  if (response.ok) return { kind: 'ok' };
  return { kind: 'problem', status: response.status, problem: await problemOf(response) };
}

/** Leaves for the sign-in page, coming back here afterwards (a full navigation drops cached pages). */
export function goToSignIn(): void {
  window.location.assign(loginPath('/account'));
}
