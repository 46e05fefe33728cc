import { signedInRoute } from '@/lib/auth/guard';
import { revokeOwnSession } from '@/lib/auth/revoke-session';
import { clientContext } from '@/lib/http/client';
import { noContent, otherMethods, signedOutResponse } from '@/lib/http/response';

export const DELETE = signedInRoute<{ params: Promise<{ id: string }> }>(async ({ request, auth, deps, now, context }) => {
  const { id } = await context.params;
  const { current } = await revokeOwnSession(deps.store, auth, id, clientContext(request.headers, deps.config), now);
  // Revoking this browser's own session is a sign-out.
  return current ? signedOutResponse(request, deps.config.cookieSecure) : noContent();
});

export const { GET, POST, PUT, PATCH } = otherMethods('DELETE');
