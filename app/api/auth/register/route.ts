import { registerUser } from '@/lib/auth/account';
import { setAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { registerSchema } from '@/lib/auth/validation';
import { userView } from '@/lib/auth/views';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { json, methodNotAllowed, route } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, registerSchema);
  const deps = await getAuthDeps();
  const now = Date.now();
  const { user, tokens } = await registerUser(deps, input, clientContext(request.headers, deps.config), now);
  const response = json({ user: userView(user) }, 201);
  setAuthCookies(response.cookies, tokens, deps.config.cookieSecure, now);
  return response;
});

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
