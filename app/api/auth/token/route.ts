import { getAuthDeps } from '@/lib/auth/deps';
import { OAuthError, oauthErrorResponse, oauthJson } from '@/lib/auth/oauth/errors';
import { clientCredentialsGrant } from '@/lib/auth/oauth/grants/client-credentials';
import { readTokenRequest } from '@/lib/auth/oauth/token-request';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin } from '@/lib/http/request';
import { otherMethods } from '@/lib/http/response';

/** One handler per grant type (one lib file each); authorization_code and refresh_token join here later. */
const GRANTS = {
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
