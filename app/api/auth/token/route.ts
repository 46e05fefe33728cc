import { getAuthDeps } from '@/lib/auth/deps';
import { OAuthError, oauthErrorResponse, oauthJson } from '@/lib/auth/oauth/errors';
import { authorizationCodeGrant } from '@/lib/auth/oauth/grants/authorization-code';
import { clientCredentialsGrant } from '@/lib/auth/oauth/grants/client-credentials';
import { refreshTokenGrant } from '@/lib/auth/oauth/grants/refresh-token';
import { readTokenRequest } from '@/lib/auth/oauth/token-request';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin } from '@/lib/http/request';
import { otherMethods } from '@/lib/http/response';

/**
 * One handler per grant type (one lib file each), all with the same signature: the request (for
 * headers such as a DPoP proof), the parsed form, who is calling, and the clock.
 */
const GRANTS = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
} as const;

const isSupported = (grantType: string): grantType is keyof typeof GRANTS => Object.hasOwn(GRANTS, grantType);

/** POST /api/auth/token (RFC 6749 §3.2): form in, RFC 6749 §5.1/§5.2 JSON out, no cookies. */
export async function POST(request: Request): Promise<Response> {
  try {
    assertSameOrigin(request);
    const token = await readTokenRequest(request);
    if (!isSupported(token.grantType)) throw new OAuthError('unsupported_grant_type');
    const deps = await getAuthDeps();
    return oauthJson(await GRANTS[token.grantType](deps, request, token, clientContext(request.headers, deps.config), Date.now()));
  } catch (error) {
    return oauthErrorResponse(error);
  }
}

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
