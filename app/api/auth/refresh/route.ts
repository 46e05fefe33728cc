import { renewSession } from '@/lib/auth/account';
import { readCookie } from '@/lib/auth/authenticate';
import { clearAuthCookies, cookieNames, setAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { isoTime } from '@/lib/auth/views';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin } from '@/lib/http/request';
import { errorResponse, json, methodNotAllowed, route } from '@/lib/http/response';

// The body, if any, is ignored: the refresh token travels only in its HttpOnly cookie.
export const POST = route(async (request) => {
  assertSameOrigin(request);
  const deps = await getAuthDeps();
  const now = Date.now();
  const raw = readCookie(request, cookieNames(deps.config.cookieSecure).refresh);
  const tokens = await renewSession(deps, raw, clientContext(request.headers, deps.config.trustProxy), now);
  if (!tokens) {
    const response = errorResponse('invalid_refresh_token');
    clearAuthCookies(response.cookies, deps.config.cookieSecure);
    return response;
  }
  const response = json({ accessTokenExpiresAt: isoTime(tokens.accessExpiresAt) });
  setAuthCookies(response.cookies, tokens, deps.config.cookieSecure, now);
  return response;
});

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
