import { signedInRoute } from '@/lib/auth/guard';
import { listPasskeys } from '@/lib/auth/passkeys';
import { json, otherMethods } from '@/lib/http/response';

export const GET = signedInRoute(async ({ auth, deps }) => json({ passkeys: await listPasskeys(deps, auth.user) }));

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');
