/**
 * What GET /api/auth/me answers for each kind of caller. `user` has the contract's shape whenever
 * there is a user; the other members say how the caller authenticated:
 * - a session: `{"user", "session": {"id","expiresAt"}}` (the contract's shape, unchanged);
 * - an API key: `{"user", "session": null, "apiKey": {"id","name","expiresAt"}}`;
 * - a machine client (mTLS): `{"user": null, "session": null, "client": {"id"}, "cnf": {"x5t#S256"}, "expiresAt"}`,
 *   `expiresAt` being its access token's.
 */
import type { ApiCaller } from './authenticate';
import { isoTime, userView } from './views';

export function meView(caller: ApiCaller) {
  switch (caller.kind) {
    case 'session':
      return { user: userView(caller.user), session: { id: caller.session.id, expiresAt: isoTime(caller.session.expiresAt) } };
    case 'api_key':
      return {
        user: userView(caller.user),
        session: null,
        apiKey: { id: caller.apiKey.id, name: caller.apiKey.name, expiresAt: caller.apiKey.expiresAt === null ? null : isoTime(caller.apiKey.expiresAt) },
      };
    case 'client':
      return { user: null, session: null, client: { id: caller.client.clientId }, cnf: caller.claims.cnf, expiresAt: isoTime(caller.claims.exp * 1000) };
  }
}
