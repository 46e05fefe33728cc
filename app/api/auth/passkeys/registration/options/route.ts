import { signedInRoute } from '@/lib/auth/guard';
import { setChallengeCookie } from '@/lib/auth/passkey-ceremony';
import { passkeyRegistrationOptions } from '@/lib/auth/passkey-registration';
import { passkeyOptionsSchema } from '@/lib/auth/passkey-validation';
import { readOptionalJson } from '@/lib/http/request';
import { json, otherMethods } from '@/lib/http/response';

export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  await readOptionalJson(request, passkeyOptionsSchema);
  const { options, challengeId } = await passkeyRegistrationOptions(deps, auth.user, now);
  const response = json({ options });
  setChallengeCookie(response.cookies, challengeId, deps.config.cookieSecure);
  return response;
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
