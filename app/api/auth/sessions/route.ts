import { listSessions } from '@/lib/auth/devices';
import { signedInRoute } from '@/lib/auth/guard';
import { json, methodNotAllowed } from '@/lib/http/response';

export const GET = signedInRoute(async ({ auth, deps, now }) => json({ sessions: listSessions(deps.db, auth, now) }));

export const POST = methodNotAllowed('GET');
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
