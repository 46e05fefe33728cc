import { z } from 'zod';
import { AuthError } from '@/lib/auth/errors';
import { clientContext } from '@/lib/http/client';
import { signedInRoute } from '@/lib/auth/guard';
import { disconnectProvider } from '@/lib/auth/oidc/connections';
import { flowCookieAttributes, flowCookieName, FLOW_TTL_MS } from '@/lib/auth/oidc/flow-cookie';
import { startOidcFlow } from '@/lib/auth/oidc/start';
import { readOptionalJson } from '@/lib/http/request';
import { json, noContent, otherMethods } from '@/lib/http/response';

type Context = { params: Promise<{ provider: string }> };

/** Connect takes no input; a body, if any, must be an empty JSON object (and is capped like every body). */
const connectSchema = z.strictObject({});

// `Connect <Name>` on /account: the signed-in caller starts a flow bound to this browser, its
// account and its session; the page then navigates to `url`. (A fetch, not a form, so the client
// helper can refresh an expired access token first.)
export const POST = signedInRoute<Context>(async ({ request, auth, deps, now, context }) => {
  await readOptionalJson(request, connectSchema);
  const { provider } = await context.params;
  const flow = await startOidcFlow(deps, provider, { kind: 'connect', userId: auth.user.id, sessionId: auth.session.id }, now);
  const response = json({ url: flow.url });
  response.cookies.set(flowCookieName(deps.config.cookieSecure), flow.cookie, flowCookieAttributes(deps.config.cookieSecure, FLOW_TTL_MS));
  return response;
});

// `Disconnect`: 204, 404 `not_found` when not connected, 409 `last_sign_in_method` for the last way in.
export const DELETE = signedInRoute<Context>(async ({ request, auth, deps, now, context }) => {
  const { provider } = await context.params;
  if (typeof provider !== 'string' || provider.length > 40) throw new AuthError('not_found');
  await disconnectProvider(deps, auth, provider, clientContext(request.headers, deps.config), now);
  return noContent();
});

export const { GET, PUT, PATCH } = otherMethods('POST', 'DELETE');
