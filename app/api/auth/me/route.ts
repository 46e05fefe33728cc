import { authenticate } from '@/lib/auth/authenticate';
import { getAuthDeps } from '@/lib/auth/deps';
import { unauthenticatedResponse } from '@/lib/auth/guard';
import { isoTime, userView } from '@/lib/auth/views';
import { json, otherMethods, route } from '@/lib/http/response';

export const GET = route(async (request) => {
  const deps = await getAuthDeps();
  const auth = await authenticate(deps.store, request, deps.config.cookieSecure, Date.now());
  if ('via' in auth) return unauthenticatedResponse(auth);
  return json({ user: userView(auth.user), session: { id: auth.session.id, expiresAt: isoTime(auth.session.expiresAt) } });
});

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');
