import { clearAuthCookies } from '@/lib/auth/cookies';
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
  // Clear-Site-Data also drops any cookie a script or extension may have planted (checklist D21).
  const response = noContent({ 'Clear-Site-Data': '"cookies"' });
  clearAuthCookies(response.cookies, deps.config.cookieSecure);
  return response;
});

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
