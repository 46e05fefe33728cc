import { signedInRoute } from '@/lib/auth/guard';
import { enableTwoFactor } from '@/lib/auth/two-factor-setup';
import { enableTwoFactorSchema } from '@/lib/auth/two-factor-validation';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { json, otherMethods } from '@/lib/http/response';

/** Turns the pending setup on with its first code: 200 `{"recoveryCodes":[…10]}`. */
export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, enableTwoFactorSchema);
  return json(await enableTwoFactor(deps, auth, input.code, clientContext(request.headers, deps.config), now));
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
