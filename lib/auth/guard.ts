/**
 * Route handlers for sensitive actions (the sessions list, revoking a session, changing the
 * password). Access tokens are stateless, so the middleware lets a revoked session's token through
 * until it expires; these handlers never rely on that. Every call re-verifies the token itself and
 * looks the session up in the database (`authenticate`), so a session revoked a moment ago is
 * refused at once, and a bypass of the middleware (checklist D22) gains nothing.
 */
import 'server-only';
import { assertSameOrigin } from '@/lib/http/request';
import { errorResponse, route } from '@/lib/http/response';
import type { ApiKeyCaller } from './authenticate-api-key';
import type { ClientCaller } from './authenticate-client';
import { authenticate, authenticateCaller, type AuthFailure, type Authenticated, type CallerKinds, type SessionCaller } from './authenticate';
import { getAuthDeps, type AuthDeps } from './deps';
import { dpopChallenge } from './dpop';

export interface SignedInRequest<C> {
  request: Request;
  /** The caller's user and live session, as the database has them now. */
  auth: Authenticated;
  deps: AuthDeps;
  now: number;
  context: C;
}

/**
 * 401 `unauthenticated`, with the RFC 6750 challenge (a bad bearer token is `invalid_token`), or
 * the RFC 9449 §7.1 DPoP challenge for a DPoP request or a DPoP-bound token presented without one.
 */
export function unauthenticatedResponse(failure: AuthFailure): Response {
  let challenge: string;
  if (failure.via === 'dpop' || failure.dpopError !== undefined) challenge = dpopChallenge(failure.dpopError ?? 'invalid_token');
  else challenge = failure.via === 'bearer' ? 'Bearer error="invalid_token"' : 'Bearer';
  return errorResponse('unauthenticated', { headers: { 'WWW-Authenticate': challenge } });
}

/**
 * Wraps a handler that needs a live session: the Origin rule first (state-changing methods only),
 * then authentication against the database, then the handler. Errors become the contract's JSON.
 */
export function signedInRoute<C = unknown>(handler: (signedIn: SignedInRequest<C>) => Promise<Response>) {
  return route<C>(async (request, context) => {
    assertSameOrigin(request);
    const deps = await getAuthDeps();
    const now = Date.now();
    const auth = await authenticate(deps, request, now);
    if ('via' in auth) return unauthenticatedResponse(auth);
    return handler({ request, auth, deps, now, context });
  });
}

/** The callers a route's `allowed` lets in: always a session, and API keys or clients only where it says so. */
export type AllowedCaller<K extends CallerKinds> = SessionCaller | (K['apiKey'] extends true ? ApiKeyCaller : never) | (K['client'] extends true ? ClientCaller : never);

export interface CallerRequest<K extends CallerKinds, C> {
  request: Request;
  /** A live session, or (where the route allows them) an API key's user or a machine client. */
  caller: AllowedCaller<K>;
  deps: AuthDeps;
  now: number;
  context: C;
}

/**
 * Wraps a READ-ONLY handler that API keys and/or machine clients may call as well as signed-in
 * sessions (`allowed` names which; nothing is allowed by default). Routes that change anything
 * (password, sessions, sign-out scopes, the account, API keys themselves) use `signedInRoute`,
 * which accepts a session's access token only.
 */
export function callerRoute<const K extends CallerKinds, C = unknown>(allowed: K, handler: (call: CallerRequest<K, C>) => Promise<Response>) {
  return route<C>(async (request, context) => {
    // Keys and clients are read-only by construction: a handler that could change something
    // must never be reachable with them (a programmer mistake, so it fails loudly).
    if ((allowed.apiKey || allowed.client) && request.method !== 'GET' && request.method !== 'HEAD') throw new TypeError('callerRoute with API keys or clients serves GET only');
    assertSameOrigin(request);
    const deps = await getAuthDeps();
    const now = Date.now();
    const caller = await authenticateCaller(deps, request, allowed, now);
    if ('via' in caller) return unauthenticatedResponse(caller);
    // authenticateCaller returns only the kinds `allowed` names.
    return handler({ request, caller: caller as AllowedCaller<K>, deps, now, context });
  });
}
