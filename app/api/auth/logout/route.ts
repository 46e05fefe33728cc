import { clearAuthCookies, requestAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { signOut } from '@/lib/auth/logout';
import { logoutSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readOptionalJson } from '@/lib/http/request';
import { methodNotAllowed, noContent, route } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const body = await readOptionalJson(request, logoutSchema);
  const deps = await getAuthDeps();
  const { clearCookies } = await signOut(deps, request, body?.scope ?? 'current', clientContext(request.headers, deps.config), Date.now());
  if (!clearCookies) return noContent();
  const response = noContent();
  // Only the cookies this request carried: a request without them (say, sent before a sign-in and
  // answered after it) must not sign the browser's new session out, so it clears nothing at all.
  // Clear-Site-Data also drops any cookie a script or extension may have planted (checklist D21);
  // it would drop a new session as well, so it follows the same rule.
  if (clearAuthCookies(response.cookies, deps.config.cookieSecure, requestAuthCookies(request, deps.config.cookieSecure).carried)) {
    response.headers.set('Clear-Site-Data', '"cookies"');
  }
  return response;
});

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
