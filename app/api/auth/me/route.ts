import { callerRoute } from '@/lib/auth/guard';
import { meView } from '@/lib/auth/me-view';
import { json, otherMethods } from '@/lib/http/response';

/** Read-only: a session, an API key (`Authorization: Bearer ntak_…`) or a machine client with its certificate. */
export const GET = callerRoute({ apiKey: true, client: true }, async ({ caller }) => json(meView(caller)));

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');
