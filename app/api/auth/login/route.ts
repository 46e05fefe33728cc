import { setChallengeCookie } from '@/lib/auth/challenge-cookie';
import { requestAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { signIn } from '@/lib/auth/sign-in';
import { loginSchema } from '@/lib/auth/validation';
import { isoTime, userView } from '@/lib/auth/views';
import { toSeconds } from '@/lib/duration';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { json, otherMethods, route, tokensResponse } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, loginSchema);
  const deps = await getAuthDeps();
  const now = Date.now();
  // A refresh cookie this browser still carries names a session that this sign-in replaces.
  const previous = requestAuthCookies(request, deps.config.cookieSecure).refresh;
  const outcome = await signIn(deps, input, clientContext(request.headers, deps.config), now, previous);
  if (outcome.kind === 'two_factor_required') {
    // No access or refresh cookie: only the challenge, which POST /api/auth/login/two-factor completes.
    const response = json({ twoFactorRequired: true });
    setChallengeCookie(response.cookies, outcome.challenge.cookieValue, deps.config.cookieSecure, toSeconds(outcome.challenge.expiresAt - now));
    return response;
  }
  const { user, tokens } = outcome.signedIn;
  return tokensResponse({ user: userView(user), accessTokenExpiresAt: isoTime(tokens.accessExpiresAt) }, tokens, deps.config.cookieSecure, now);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
