/**
 * Sending JSON to our API from client components on signed-in pages, through `authFetch`: a
 * "not signed in" 401 gets one shared refresh and one retry, so a page left open past the access
 * token's lifetime still works; a 401 `invalid_credentials` (a wrong current password) is an
 * answer, not a reason to refresh. Client-safe.
 */
import { problemOf, networkProblem, type Problem } from '@/lib/client/api';
import { authFetch, isSessionExpired } from '@/lib/client/fetch';

export type Outcome<T = null> = { kind: 'ok'; body: T } | { kind: 'signed-out' } | { kind: 'problem'; status: number; problem: Problem };

/** A success whose body is not what the route promises (a proxy's page, a deploy in between). */
const UNREADABLE: Problem = { code: 'internal_error', message: 'Something went wrong on our side. Please try again.', fields: {} };

/**
 * Sends a JSON request to our API; resolves to ok, signed-out (even a refresh could not help) or
 * the problem. With `read`, ok carries the answer's body as `read` makes it out (a 204 reads as
 * null); `read` returning null makes it a problem.
 */
export async function sendJson(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Outcome>;
export async function sendJson<T>(method: 'POST' | 'DELETE', path: string, body: unknown, read: (json: unknown) => T | null): Promise<Outcome<T>>;
export async function sendJson<T>(method: 'POST' | 'DELETE', path: string, body?: unknown, read?: (json: unknown) => T | null): Promise<Outcome<T | null>> {
  let response: Response;
  try {
    response = await authFetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { kind: 'problem', status: 0, problem: networkProblem };
  }
  if (isSessionExpired(response)) return { kind: 'signed-out' };
  if (!response.ok) return { kind: 'problem', status: response.status, problem: await problemOf(response) };
  if (!read) return { kind: 'ok', body: null };
  const parsed = read(response.status === 204 ? null : await response.json().catch(() => null));
  return parsed === null ? { kind: 'problem', status: response.status, problem: UNREADABLE } : { kind: 'ok', body: parsed };
}
