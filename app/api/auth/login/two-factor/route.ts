import { clearChallengeCookie, readChallengeCookie } from '@/lib/auth/challenge-cookie';
import { requestAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { AuthError } from '@/lib/auth/errors';
import { completeSecondStep } from '@/lib/auth/second-factor';
import { secondStepSchema } from '@/lib/auth/two-factor-validation';
import { isoTime, userView } from '@/lib/auth/views';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { otherMethods, responseForError, route, tokensResponse } from '@/lib/http/response';

/** The second step of a sign-in: a TOTP code or a recovery code, and the challenge cookie of the first. */
export const POST = route(async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, secondStepSchema);
  const deps = await getAuthDeps();
  const secure = deps.config.cookieSecure;
  const now = Date.now();
  const challenge = readChallengeCookie(request.headers.get('cookie'), secure);
  const previous = requestAuthCookies(request, secure).refresh;
  try {
    const { user, tokens } = await completeSecondStep(deps, challenge.value, input, clientContext(request.headers, deps.config), now, previous);
    const response = tokensResponse({ user: userView(user), accessTokenExpiresAt: isoTime(tokens.accessExpiresAt) }, tokens, secure, now);
    clearChallengeCookie(response.cookies, secure);
    return response;
  } catch (error) {
    if (!(error instanceof AuthError && error.code === 'invalid_challenge' && challenge.carried)) throw error;
    // A dead challenge is of no more use: the browser drops it (only when it sent one).
    const response = responseForError(error);
    clearChallengeCookie(response.cookies, secure);
    return response;
  }
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
