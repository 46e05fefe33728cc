import { getAuthDeps } from '@/lib/auth/deps';
import { setChallengeCookie } from '@/lib/auth/passkey-ceremony';
import { passkeySignInOptions } from '@/lib/auth/passkey-sign-in';
import { passkeyOptionsSchema } from '@/lib/auth/passkey-validation';
import { assertSameOrigin, readOptionalJson } from '@/lib/http/request';
import { json, otherMethods, route } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  await readOptionalJson(request, passkeyOptionsSchema);
  const deps = await getAuthDeps();
  const { options, challengeId } = await passkeySignInOptions(deps, Date.now());
  const response = json({ options });
  setChallengeCookie(response.cookies, challengeId, deps.config.cookieSecure);
  return response;
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
