import { getAuthDeps } from '@/lib/auth/deps';
import { requestSignInLink, SIGN_IN_LINK_MESSAGE } from '@/lib/auth/magic-link';
import { magicLinkRequestSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { assertSameOrigin, readJson } from '@/lib/http/request';
import { json, otherMethods, route } from '@/lib/http/response';

// 202 with one fixed body for every address, known or not (contract; checklist O60). `next`
// (optional): where the link lands once used; a value that is not a same-site path is dropped.
export const POST = route(async (request) => {
  assertSameOrigin(request);
  const { email, next } = await readJson(request, magicLinkRequestSchema);
  const deps = await getAuthDeps();
  await requestSignInLink(deps, email, next, clientContext(request.headers, deps.config), Date.now());
  return json({ message: SIGN_IN_LINK_MESSAGE }, 202);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');
