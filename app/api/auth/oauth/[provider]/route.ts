import { z } from 'zod';
import { getAuthDeps } from '@/lib/auth/deps';
import { flowCookieAttributes, flowCookieName, FLOW_TTL_MS } from '@/lib/auth/oidc/flow-cookie';
import { startOidcFlow } from '@/lib/auth/oidc/start';
import { assertSameOrigin, readOptionalJson } from '@/lib/http/request';
import { json, otherMethods, route } from '@/lib/http/response';

type Context = { params: Promise<{ provider: string }> };

/** `next`: where to go once signed in (checked like /login's: only a same-site path). */
const startSchema = z.object({ next: z.string().max(2048).optional() });

// `Sign in with <Name>` on /login: 200 {"url"} (the provider's authorization URL, which the page
// navigates to) with the sealed flow cookie that binds the flow to this browser. A script
// navigation rather than a form's redirect: CSP `form-action 'self'` would block a form that
// redirects to another origin. 404 `not_found` for an unknown provider, 503
// `provider_unavailable` when it cannot be reached.
export const POST = route<Context>(async (request, { params }) => {
  assertSameOrigin(request);
  const body = await readOptionalJson(request, startSchema);
  const { provider } = await params;
  const deps = await getAuthDeps();
  const flow = await startOidcFlow(deps, provider, { kind: 'sign_in', next: body?.next ?? null }, Date.now());
  const response = json({ url: flow.url });
  response.cookies.set(flowCookieName(deps.config.cookieSecure), flow.cookie, flowCookieAttributes(deps.config.cookieSecure, FLOW_TTL_MS));
  return response;
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
