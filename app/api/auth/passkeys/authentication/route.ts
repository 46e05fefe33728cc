import { requestAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { challengeIdOf, clearChallengeCookie } from '@/lib/auth/passkey-ceremony';
import { signInWithPasskey } from '@/lib/auth/passkey-sign-in';
import { passkeySignInSchema } from '@/lib/auth/passkey-validation';
import { isoTime, userView } from '@/lib/auth/views';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { otherMethods, route, tokensResponse } from '@/lib/http/response';

/** Answers exactly like POST /api/auth/login: 200 {"user","accessTokenExpiresAt"} with both cookies. */
export const POST = route(async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, passkeySignInSchema);
  const deps = await getAuthDeps();
  const now = Date.now();
  const secure = deps.config.cookieSecure;
  // A refresh cookie this browser still carries names a session that this sign-in replaces.
  const previous = requestAuthCookies(request, secure).refresh;
  const { user, tokens } = await signInWithPasskey(deps, challengeIdOf(request, secure), input, clientContext(request.headers, deps.config), now, previous);
  const response = tokensResponse({ user: userView(user), accessTokenExpiresAt: isoTime(tokens.accessExpiresAt) }, tokens, secure, now);
  clearChallengeCookie(response.cookies, secure);
  return response;
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
