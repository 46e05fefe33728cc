import { changePassword } from '@/lib/auth/change-password';
import { signedInRoute } from '@/lib/auth/guard';
import { changePasswordSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { noContent, otherMethods } from '@/lib/http/response';

export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, changePasswordSchema);
  await changePassword(deps, auth, input, clientContext(request.headers, deps.config), now);
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
