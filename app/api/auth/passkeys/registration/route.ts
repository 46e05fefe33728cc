import { signedInRoute } from '@/lib/auth/guard';
import { challengeIdOf, clearChallengeCookie } from '@/lib/auth/passkey-ceremony';
import { addPasskey } from '@/lib/auth/passkey-registration';
import { addPasskeySchema } from '@/lib/auth/passkey-validation';
import { passkeyView } from '@/lib/auth/passkeys';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { json, otherMethods } from '@/lib/http/response';

export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, addPasskeySchema);
  const secure = deps.config.cookieSecure;
  const passkey = await addPasskey(deps, auth.user, challengeIdOf(request, secure), input, clientContext(request.headers, deps.config), now);
  const response = json({ passkey: passkeyView(passkey) }, 201);
  clearChallengeCookie(response.cookies, secure);
  return response;
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
