import { z } from 'zod';
import { getAuthDeps } from '@/lib/auth/deps';
import { signedInRoute } from '@/lib/auth/guard';
import { checkAuthorizationRequest } from '@/lib/auth/oauth/authorization-request';
import { answerAuthorization } from '@/lib/auth/oauth/consent';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { errorResponse, json, otherMethods, route, seeOther } from '@/lib/http/response';

/**
 * GET /api/auth/authorize (RFC 6749 §4.1.1, RFC 8252): a bad client or redirect URI gets our own
 * 400 and never a redirect; any other error goes back to the app; a good request continues on
 * /authorize, which signs the user in (through /login when needed) and asks for their consent.
 */
export const GET = route(async (request) => {
  const { config } = await getAuthDeps();
  const url = new URL(request.url);
  const checked = checkAuthorizationRequest(url.searchParams, config.nativeClients, config.appOrigin);
  if (checked.kind === 'refused') return errorResponse(checked.code);
  if (checked.kind === 'redirect') return seeOther(checked.location);
  return seeOther(`${config.appOrigin}/authorize${url.search}`);
});

const answerSchema = z.object({
  /** The authorization request's query string, as /authorize received it. */
  query: z.string().max(8192),
  decision: z.enum(['allow', 'cancel']),
});

/** POST /api/auth/authorize: the consent page's Allow or Cancel; answers `{ redirectTo }` for the browser to follow. */
export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  const { query, decision } = await readJson(request, answerSchema);
  const redirectTo = await answerAuthorization(deps, query, decision, auth.session, clientContext(request.headers, deps.config), now);
  return json({ redirectTo });
});

export const { PUT, PATCH, DELETE } = otherMethods('GET', 'POST');
