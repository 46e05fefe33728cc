import { z } from 'zod';
import { clearAuthCookies, requestAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { renewSession } from '@/lib/auth/refresh';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readOptionalJson } from '@/lib/http/request';
import { errorResponse, otherMethods, route, tokensResponse } from '@/lib/http/response';

// The refresh token travels only in its HttpOnly cookie. A body is optional and its content is
// ignored, but like every auth route it must be JSON within the cap (415/413/400 otherwise).
export const POST = route(async (request) => {
  assertSameOrigin(request);
  await readOptionalJson(request, z.unknown());
  const deps = await getAuthDeps();
  const now = Date.now();
  const presented = requestAuthCookies(request, deps.config.cookieSecure);
  const tokens = await renewSession(deps, presented.refresh, clientContext(request.headers, deps.config), now);
  if (!tokens) {
    const response = errorResponse('invalid_refresh_token');
    // Only what this request carried: a cookie-less request gets no clearing Set-Cookie.
    clearAuthCookies(response.cookies, deps.config.cookieSecure, presented.carried);
    return response;
  }
  return tokensResponse({}, tokens, deps.config.cookieSecure, now);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
