/**
 * Calling the account API from the account page's client components.
 *
 * Why not `authFetch`: it refreshes and retries on every 401, but POST /api/auth/password answers
 * 401 `invalid_credentials` for a wrong current password, and retrying that would spend a second
 * password check (and a refresh) for nothing. A 401 about the session carries a
 * `WWW-Authenticate` challenge (the middleware's and the route handlers' both do); a wrong
 * password does not. So: refresh (single-flight, shared with authFetch) and retry only on a
 * challenged 401. Client-safe.
 */
import { loginPath } from '@/lib/auth/redirects';
import { problemOf, networkProblem, type Problem } from '@/lib/client/api';
import { refreshSession } from '@/lib/client/fetch';

export type Outcome = { kind: 'ok' } | { kind: 'signed-out' } | { kind: 'problem'; status: number; problem: Problem };

const isSessionProblem = (response: Response) => response.status === 401 && response.headers.has('www-authenticate');

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
    if (isSessionProblem(response)) {
      await response.body?.cancel().catch(() => undefined);
      if (!(await refreshSession())) return { kind: 'signed-out' };
      response = await send();
      if (isSessionProblem(response)) return { kind: 'signed-out' };
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
