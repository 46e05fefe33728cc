import { resendVerification, VERIFICATION_SENT_MESSAGE } from '@/lib/auth/email-verification';
import { signedInRoute } from '@/lib/auth/guard';
import { clientContext } from '@/lib/http/client';
import { json, otherMethods } from '@/lib/http/response';

export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  await resendVerification(deps, auth, clientContext(request.headers, deps.config), now);
  return json({ message: VERIFICATION_SENT_MESSAGE }, 202);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
