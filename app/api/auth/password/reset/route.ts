import { getAuthDeps } from '@/lib/auth/deps';
import { resetPasswordWithLink } from '@/lib/auth/password-reset';
import { resetPasswordSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { noContent, otherMethods, route } from '@/lib/http/response';

export const POST = route(async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, resetPasswordSchema);
  const deps = await getAuthDeps();
  await resetPasswordWithLink(deps, input, clientContext(request.headers, deps.config), Date.now());
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
