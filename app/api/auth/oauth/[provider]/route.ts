import { getAuthDeps } from '@/lib/auth/deps';
import { AuthError } from '@/lib/auth/errors';
import { flowCookieAttributes, flowCookieName, FLOW_TTL_MS } from '@/lib/auth/oidc/flow-cookie';
import { oauthErrorPath } from '@/lib/auth/oidc/messages';
import { startOidcFlow } from '@/lib/auth/oidc/start';
import { assertSameOrigin } from '@/lib/http/request';
import { otherMethods, route, seeOther } from '@/lib/http/response';

type Context = { params: Promise<{ provider: string }> };

// `Sign in with <Name>` on /login: a form POST (the Origin rule applies) answered with a 303 to the
// provider, the flow bound to this browser by its sealed cookie. `?next=` is checked like /login's.
export const POST = route<Context>(async (request, { params }) => {
  assertSameOrigin(request);
  const { provider } = await params;
  const deps = await getAuthDeps();
  const now = Date.now();
  try {
    const next = new URL(request.url).searchParams.get('next');
    const flow = await startOidcFlow(deps, provider, { kind: 'sign_in', next }, now);
    const response = seeOther(flow.url);
    response.cookies.set(flowCookieName(deps.config.cookieSecure), flow.cookie, flowCookieAttributes(deps.config.cookieSecure, FLOW_TTL_MS));
    return response;
  } catch (error) {
    // A provider that cannot be reached: back to the sign-in page, which says so (no stack, no 500).
    if (error instanceof AuthError && error.code === 'provider_unavailable') return seeOther(new URL(oauthErrorPath('provider_unavailable', false), deps.config.appOrigin).toString());
    throw error;
  }
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
