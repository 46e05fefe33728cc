import { signedInRoute } from '@/lib/auth/guard';
import { changePassword } from '@/lib/auth/password-change';
import { changePasswordSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { methodNotAllowed, noContent } from '@/lib/http/response';

export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, changePasswordSchema);
  await changePassword(deps, auth, input, clientContext(request.headers, deps.config), now);
  return noContent();
});

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
