import { requestAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { signIn } from '@/lib/auth/sign-in';
import { loginSchema } from '@/lib/auth/validation';
import { userView } from '@/lib/auth/views';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { otherMethods, route, tokensResponse } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, loginSchema);
  const deps = await getAuthDeps();
  const now = Date.now();
  // A refresh cookie this browser still carries names a session that this sign-in replaces.
  const previous = requestAuthCookies(request, deps.config.cookieSecure).refresh;
  const { user, tokens } = await signIn(deps, input, clientContext(request.headers, deps.config), now, previous);
  return tokensResponse({ user: userView(user) }, tokens, deps.config.cookieSecure, now);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
