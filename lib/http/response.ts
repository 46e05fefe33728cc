/**
 * Building auth responses: JSON only, `Cache-Control: no-store` on every one (checklist K49).
 */
import { NextResponse } from 'next/server';
import { clearAuthCookies, requestAuthCookies } from '@/lib/auth/cookies';
import { AuthError, ERROR_STATUS, errorBody, type ErrorCode, type FieldErrors } from '@/lib/auth/errors';

/** A JSON response that no cache may keep. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): NextResponse {
  const response = NextResponse.json(body, { status, headers });
  response.headers.set('Cache-Control', 'no-store');
  return response;
}

/** An empty 204 response that no cache may keep. */
export function noContent(headers: HeadersInit = {}): NextResponse {
  const response = new NextResponse(null, { status: 204, headers });
  response.headers.set('Cache-Control', 'no-store');
  return response;
}

/**
 * The 204 that signs this browser out (logout, revoking one's own session, deleting the account):
 * it clears only the auth cookies the request carried, so a request without them (sent before a
 * sign-in, answered after it; or a bearer-token client) clears nothing (contract "Cookies").
 * `Clear-Site-Data` also drops any cookie a script or extension planted (checklist D21); it would
 * drop a new session too, so it follows the same rule.
 */
export function signedOutResponse(request: Request, secureCookies: boolean): NextResponse {
  const response = noContent();
  if (clearAuthCookies(response.cookies, secureCookies, requestAuthCookies(request, secureCookies).carried)) {
    response.headers.set('Clear-Site-Data', '"cookies"');
  }
  return response;
}

/** The contract's error response for a code. */
export function errorResponse(code: ErrorCode, options: { fields?: FieldErrors; headers?: HeadersInit } = {}): NextResponse {
  return json(errorBody(code, options.fields), ERROR_STATUS[code], options.headers);
}

/** Turns an AuthError into its response; anything else is logged (without details) and becomes a 500. */
export function responseForError(error: unknown): NextResponse {
  if (error instanceof AuthError) {
    const headers: Record<string, string> = {};
    if (error.details.retryAfterS !== undefined) headers['Retry-After'] = String(error.details.retryAfterS);
    // RFC 6750 3: every "not signed in" answer names the scheme it wants.
    if (error.code === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer';
    return errorResponse(error.code, { fields: error.details.fields, headers });
  }
  // Log the class name only: messages of library errors may quote SQL or input.
  const kind = error instanceof Error ? error.name : typeof error;
  console.error(JSON.stringify({ level: 'error', event: 'unhandled_error', kind, at: new Date().toISOString() }));
  const unavailable = error instanceof Error && /SQLITE_(BUSY|CANTOPEN|IOERR|LOCKED|READONLY|FULL)/.test(String((error as { code?: unknown }).code));
  return errorResponse(unavailable ? 'service_unavailable' : 'internal_error');
}

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/** Wraps a route handler so that every failure becomes the contract's JSON error. */
export function route<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return responseForError(error);
    }
  };
}

/** A route export answering 405 `method_not_allowed`, naming the allowed methods in `Allow`. */
export function methodNotAllowed(allow: string) {
  return async function notAllowed(): Promise<Response> {
    return errorResponse('method_not_allowed', { headers: { Allow: allow } });
  };
}

