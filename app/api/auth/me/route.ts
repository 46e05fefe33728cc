import { authenticate } from '@/lib/auth/authenticate';
import { getAuthDeps } from '@/lib/auth/deps';
import { isoTime, userView } from '@/lib/auth/views';
import { errorResponse, json, methodNotAllowed, route } from '@/lib/http/response';

export const GET = route(async (request) => {
  const deps = await getAuthDeps();
  const auth = await authenticate(deps.db, request, deps.config.cookieSecure, Date.now());
  if ('via' in auth) {
    // RFC 6750 3: a bad bearer token is answered with its challenge.
    const headers: HeadersInit = auth.via === 'bearer' ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : { 'WWW-Authenticate': 'Bearer' };
    return errorResponse('unauthenticated', { headers });
  }
  return json({ user: userView(auth.user), session: { id: auth.session.id, expiresAt: isoTime(auth.session.expiresAt) } });
});

export const POST = methodNotAllowed('GET');
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
