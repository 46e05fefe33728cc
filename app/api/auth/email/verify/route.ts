import { getAuthDeps } from '@/lib/auth/deps';
import { verifyEmailWithLink } from '@/lib/auth/email-verification';
import { verifyEmailSchema } from '@/lib/auth/validation';
import { userView } from '@/lib/auth/views';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { json, otherMethods, route } from '@/lib/http/response';

// Signed out or in, on any device: the link is the proof. A POST, never a GET, so a mail
// scanner that fetches the link's page spends nothing (checklist O61).
export const POST = route(async (request) => {
  assertSameOrigin(request);
  const { token } = await readJson(request, verifyEmailSchema);
  const deps = await getAuthDeps();
  const user = await verifyEmailWithLink(deps, token, clientContext(request.headers, deps.config), Date.now());
  return json({ user: userView(user) });
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
