import { deleteAccount } from '@/lib/auth/delete-account';
import { signedInRoute } from '@/lib/auth/guard';
import { deleteAccountSchema } from '@/lib/auth/validation';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { otherMethods, signedOutResponse } from '@/lib/http/response';

export const DELETE = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, deleteAccountSchema);
  await deleteAccount(deps, auth, input, clientContext(request.headers, deps.config), now);
  // The account is gone: sign this browser out as logout does.
  return signedOutResponse(request, deps.config.cookieSecure);
});

export const { GET, POST, PUT, PATCH } = otherMethods('DELETE');
