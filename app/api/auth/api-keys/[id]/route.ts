import { signedInRoute } from '@/lib/auth/guard';
import { revokeApiKey } from '@/lib/auth/revoke-api-key';
import { clientContext } from '@/lib/http/client';
import { noContent, otherMethods } from '@/lib/http/response';

export const DELETE = signedInRoute<{ params: Promise<{ id: string }> }>(async ({ request, auth, deps, now, context }) => {
  const { id } = await context.params;
  await revokeApiKey(deps.store, auth, id, clientContext(request.headers, deps.config), now);
  return noContent();
});

export const { GET, POST, PUT, PATCH } = otherMethods('DELETE');
