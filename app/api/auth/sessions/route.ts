import { callerRoute } from '@/lib/auth/guard';
import { listSessions } from '@/lib/auth/list-sessions';
import { json, otherMethods } from '@/lib/http/response';

/** Read-only, so an API key may list its user's sessions too (none of them is "current" then). */
export const GET = callerRoute({ apiKey: true }, async ({ caller, deps, now }) =>
  json({ sessions: await listSessions(deps.store, { user: caller.user, session: caller.kind === 'session' ? caller.session : null }, now) }),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');
