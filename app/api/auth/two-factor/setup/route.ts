import { signedInRoute } from '@/lib/auth/guard';
import { startTwoFactorSetup } from '@/lib/auth/two-factor-setup';
import { startTwoFactorSetupSchema } from '@/lib/auth/two-factor-validation';
import { readOptionalJson } from '@/lib/http/request';
import { json, otherMethods } from '@/lib/http/response';

/** Starts a TOTP setup: 200 `{"setupKey","uri","qrSvg"}`; 409 `two_factor_enabled`. */
export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  await readOptionalJson(request, startTwoFactorSetupSchema);
  return json(await startTwoFactorSetup(deps, auth, now));
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
