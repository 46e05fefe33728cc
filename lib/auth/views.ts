/** What the API shows of our rows: explicit fields, ISO 8601 times, never a hash or nonce. */
import type { SessionRecord, UserRecord } from '@/db/store';

const iso = (ms: number) => new Date(ms).toISOString();

export function userView(user: UserRecord) {
  return { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerifiedAt !== null, createdAt: iso(user.createdAt) };
}

export function sessionView(session: SessionRecord, currentId: string | null) {
  return {
    id: session.id,
    current: session.id === currentId,
    createdAt: iso(session.createdAt),
    lastUsedAt: iso(session.lastUsedAt),
    expiresAt: iso(session.expiresAt),
    userAgent: session.userAgent,
    ip: session.ip,
  };
}

/**
 * The sessions list on /account: the API's fields (kept exactly as the contract lists them) and
 * how each session signed in, and the native app (NATIVE_CLIENTS id) whose session it is, if any.
 */
export function accountSessionView(session: SessionRecord, currentId: string | null) {
  return { ...sessionView(session, currentId), method: session.method, clientId: session.clientId };
}

export { iso as isoTime };
