import { getAuthDeps } from '@/lib/auth/deps';
import { FORGOT_PASSWORD_MESSAGE, requestPasswordReset } from '@/lib/auth/password-reset';
import { forgotPasswordSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { json, otherMethods, route } from '@/lib/http/response';

// 202 with one fixed body for every address, known or not (contract "Email"; checklist O60).
export const POST = route(async (request) => {
  assertSameOrigin(request);
  const { email } = await readJson(request, forgotPasswordSchema);
  const deps = await getAuthDeps();
  await requestPasswordReset(deps, email, clientContext(request.headers, deps.config), Date.now());
  return json({ message: FORGOT_PASSWORD_MESSAGE }, 202);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
