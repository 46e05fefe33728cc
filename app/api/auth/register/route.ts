import { getAuthDeps } from '@/lib/auth/deps';
import { registerUser } from '@/lib/auth/register';
import { registerSchema } from '@/lib/auth/validation';
import { userView } from '@/lib/auth/views';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { json, otherMethods, route, tokensResponse } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, registerSchema);
  const deps = await getAuthDeps();
  const now = Date.now();
  const { user, tokens } = await registerUser(deps, input, clientContext(request.headers, deps.config), now);
  // REQUIRE_EMAIL_VERIFICATION: registered, not signed in (no cookies).
  if (!tokens) return json({ user: userView(user) }, 201);
  return tokensResponse({ user: userView(user) }, tokens, deps.config.cookieSecure, now, 201);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
