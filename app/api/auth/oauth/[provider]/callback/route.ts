import { setChallengeCookie } from '@/lib/auth/challenge-cookie';
import { requestAuthCookies, setAuthCookies } from '@/lib/auth/cookies';
import { getAuthDeps } from '@/lib/auth/deps';
import { flowCookieAttributes, flowCookieName, flowCookieValue } from '@/lib/auth/oidc/flow-cookie';
import { finishOidcFlow } from '@/lib/auth/oidc/finish';
import { oauthErrorPath } from '@/lib/auth/oidc/messages';
import { secondStepPath } from '@/lib/auth/redirects';
import { toSeconds } from '@/lib/duration';
import { clientContext } from '@/lib/http/client';
import { otherMethods, route, seeOther } from '@/lib/http/response';

type Context = { params: Promise<{ provider: string }> };

// The provider sends the browser here (a top-level GET). Whatever happens, the flow cookie is
// cleared and the browser lands on a page: the next path when signed in, /account after Connect,
// or /login (/account) with a message naming what went wrong.
export const GET = route<Context>(async (request, { params }) => {
  const { provider } = await params;
  const deps = await getAuthDeps();
  const { config } = deps;
  const now = Date.now();
  const cookieHeader = request.headers.get('cookie');
  const outcome = await finishOidcFlow(
    deps,
    {
      providerId: typeof provider === 'string' ? provider : '',
      search: new URL(request.url).search,
      flowCookie: flowCookieValue(cookieHeader, config.cookieSecure),
      previousRefreshToken: requestAuthCookies(request, config.cookieSecure).refresh,
    },
    clientContext(request.headers, config),
    now,
  );
  const target =
    outcome.kind === 'signed_in'
      ? outcome.next
      : outcome.kind === 'two_factor_required'
        ? secondStepPath(outcome.next)
        : outcome.kind === 'connected'
          ? '/account?connected=1'
          : oauthErrorPath(outcome.code, outcome.connect);
  const response = seeOther(new URL(target, config.appOrigin).toString());
  response.cookies.set(flowCookieName(config.cookieSecure), '', flowCookieAttributes(config.cookieSecure, 0));
  if (outcome.kind === 'signed_in') setAuthCookies(response.cookies, outcome.signedIn.tokens, config.cookieSecure, now);
  // No auth cookie: the challenge only, which /login's second step (Code, Verify) completes.
  if (outcome.kind === 'two_factor_required') setChallengeCookie(response.cookies, outcome.challenge.cookieValue, config.cookieSecure, toSeconds(outcome.challenge.expiresAt - now));
  return response;
});

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');
