import { signedInRoute } from '@/lib/auth/guard';
import { listSessions } from '@/lib/auth/list-sessions';
import { json, otherMethods } from '@/lib/http/response';

export const GET = signedInRoute(async ({ auth, deps, now }) => json({ sessions: await listSessions(deps.store, auth, now) }));

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');
