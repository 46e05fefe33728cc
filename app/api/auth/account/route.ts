import { clearAuthCookies, requestAuthCookies } from '@/lib/auth/cookies';
import { deleteAccount } from '@/lib/auth/delete-account';
import { signedInRoute } from '@/lib/auth/guard';
import { deleteAccountSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { methodNotAllowed, noContent } from '@/lib/http/response';

export const DELETE = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, deleteAccountSchema);
  await deleteAccount(deps, auth, input, clientContext(request.headers, deps.config), now);
  // The account is gone: sign this browser out as logout does (checklist D21), clearing only the
  // cookies this request carried (a bearer-token client has none to clear).
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
