import { getAuthDeps } from '@/lib/auth/deps';
import { signOut } from '@/lib/auth/logout';
import { logoutSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readOptionalJson } from '@/lib/http/request';
import { methodNotAllowed, noContent, route, signedOutResponse } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const body = await readOptionalJson(request, logoutSchema);
  const deps = await getAuthDeps();
  const { clearCookies } = await signOut(deps, request, body?.scope ?? 'current', clientContext(request.headers, deps.config), Date.now());
  return clearCookies ? signedOutResponse(request, deps.config.cookieSecure) : noContent();
});

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
