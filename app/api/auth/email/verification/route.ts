import { resendVerification, VERIFICATION_SENT_MESSAGE } from '@/lib/auth/email-verification';
import { signedInRoute } from '@/lib/auth/guard';
import { resendVerificationSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { readOptionalJson } from '@/lib/http/request';
import { json, otherMethods } from '@/lib/http/response';

export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  // No fields, but a body, if any, is read like everywhere else (JSON only, at most 16 KB).
  await readOptionalJson(request, resendVerificationSchema);
  await resendVerification(deps, auth, clientContext(request.headers, deps.config), now);
  return json({ message: VERIFICATION_SENT_MESSAGE }, 202);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
