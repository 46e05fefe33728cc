import { getAuthDeps } from '@/lib/auth/deps';
import { signOut } from '@/lib/auth/sign-out';
import { logoutSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readOptionalJson } from '@/lib/http/request';
import { noContent, otherMethods, route, signedOutResponse } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const body = await readOptionalJson(request, logoutSchema);
  const deps = await getAuthDeps();
  const { clearCookies } = await signOut(deps, request, body?.scope ?? 'current', clientContext(request.headers, deps.config), Date.now());
  return clearCookies ? signedOutResponse(request, deps.config.cookieSecure) : noContent();
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
