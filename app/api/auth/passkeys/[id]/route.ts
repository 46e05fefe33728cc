import { signedInRoute } from '@/lib/auth/guard';
import { removePasskey } from '@/lib/auth/passkeys';
import { clientContext } from '@/lib/http/client';
import { noContent, otherMethods } from '@/lib/http/response';

export const DELETE = signedInRoute<{ params: Promise<{ id: string }> }>(async ({ request, auth, deps, now, context }) => {
  const { id } = await context.params;
  await removePasskey(deps, auth.user, id, clientContext(request.headers, deps.config), now);
  return noContent();
});

export const { GET, POST, PUT, PATCH } = otherMethods('DELETE');
