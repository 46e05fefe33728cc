import { clearAuthCookies, requestAuthCookies } from '@/lib/auth/cookies';
import { revokeOwnSession } from '@/lib/auth/devices';
import { signedInRoute } from '@/lib/auth/guard';
import { clientContext } from '@/lib/http/client';
import { methodNotAllowed, noContent } from '@/lib/http/response';

export const DELETE = signedInRoute<{ params: Promise<{ id: string }> }>(async ({ request, auth, deps, now, context }) => {
  const { id } = await context.params;
  const { current } = revokeOwnSession(deps.db, auth, id, clientContext(request.headers, deps.config), now);
  if (!current) return noContent();
  // Revoking this browser's own session is a sign-out: the cookies it carried go too (a bearer
  // client's request carries none, and gets no clearing header).
  const response = noContent();
  if (clearAuthCookies(response.cookies, deps.config.cookieSecure, requestAuthCookies(request, deps.config.cookieSecure).carried)) {
    response.headers.set('Clear-Site-Data', '"cookies"');
  }
  return response;
});

export const GET = methodNotAllowed('DELETE');
export const POST = GET;
export const PUT = GET;
export const PATCH = GET;
