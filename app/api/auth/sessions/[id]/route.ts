import { revokeOwnSession } from '@/lib/auth/devices';
import { signedInRoute } from '@/lib/auth/guard';
import { clientContext } from '@/lib/http/client';
import { methodNotAllowed, noContent, signedOutResponse } from '@/lib/http/response';

export const DELETE = signedInRoute<{ params: Promise<{ id: string }> }>(async ({ request, auth, deps, now, context }) => {
  const { id } = await context.params;
  const { current } = revokeOwnSession(deps.db, auth, id, clientContext(request.headers, deps.config), now);
  // Revoking this browser's own session is a sign-out.
  return current ? signedOutResponse(request, deps.config.cookieSecure) : noContent();
});

export const GET = methodNotAllowed('DELETE');
export const POST = GET;
export const PUT = GET;
export const PATCH = GET;
