import { setChallengeCookie } from '@/lib/auth/challenge-cookie';
import { requestAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { signInWithLink } from '@/lib/auth/magic-link';
import { magicLinkSignInSchema } from '@/lib/auth/validation';
import { isoTime, userView } from '@/lib/auth/views';
import { toSeconds } from '@/lib/duration';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { json, otherMethods, route, tokensResponse } from '@/lib/http/response';

// POST only: the `Sign in` button of /magic-link. A GET (a mail scanner) signs nobody in. The
// body's `next` is the same-site path stored with the link: where the button goes afterwards.
export const POST = route(async (request) => {
  assertSameOrigin(request);
  const { token } = await readJson(request, magicLinkSignInSchema);
  const deps = await getAuthDeps();
  const now = Date.now();
  const previous = requestAuthCookies(request, deps.config.cookieSecure).refresh;
  const outcome = await signInWithLink(deps, token, clientContext(request.headers, deps.config), now, previous);
  if (outcome.kind === 'two_factor_required') {
    // As POST /api/auth/login: no auth cookie, only the challenge that the second step completes.
    const response = json({ twoFactorRequired: true, next: outcome.next });
    setChallengeCookie(response.cookies, outcome.challenge.cookieValue, deps.config.cookieSecure, toSeconds(outcome.challenge.expiresAt - now));
    return response;
  }
  const { user, tokens } = outcome.signedIn;
  return tokensResponse({ user: userView(user), accessTokenExpiresAt: isoTime(tokens.accessExpiresAt), next: outcome.next }, tokens, deps.config.cookieSecure, now);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
