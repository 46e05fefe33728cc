import { disableTwoFactor } from '@/lib/auth/disable-two-factor';
import { signedInRoute } from '@/lib/auth/guard';
import { disableTwoFactorSchema } from '@/lib/auth/two-factor-validation';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { noContent, otherMethods } from '@/lib/http/response';

/** Turns two-factor off with `{"password"}`, `{"code"}` or `{"recoveryCode"}`: 204. */
export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, disableTwoFactorSchema);
  await disableTwoFactor(deps, auth, input, clientContext(request.headers, deps.config), now);
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
