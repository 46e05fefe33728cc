import { getAuthDeps } from '@/lib/auth/deps';
import { oauthEmpty, oauthErrorResponse } from '@/lib/auth/oauth/errors';
import { revokeNativeToken } from '@/lib/auth/oauth/revoke-token';
import { readOAuthForm } from '@/lib/auth/oauth/token-request';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin } from '@/lib/http/request';
import { otherMethods } from '@/lib/http/response';

/** POST /api/auth/revoke (RFC 7009): form in, 200 with no body for any token, RFC 6749 §5.2 errors. */
export async function POST(request: Request): Promise<Response> {
  try {
    assertSameOrigin(request);
    const params = await readOAuthForm(request);
    const deps = await getAuthDeps();
    await revokeNativeToken(deps, params, clientContext(request.headers, deps.config), Date.now());
    return oauthEmpty();
  } catch (error) {
    return oauthErrorResponse(error);
  }
}

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
