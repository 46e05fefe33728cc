/** What the API shows of our rows: explicit fields, ISO 8601 times, never a hash or nonce. */
import type { Session } from '@/db/schema';
import type { PublicUser } from '@/db/users';

const iso = (ms: number) => new Date(ms).toISOString();

export function userView(user: PublicUser) {
  return { id: user.id, email: user.email, name: user.name, createdAt: iso(user.createdAt) };
}

export function sessionView(session: Session, currentId: string | null) {
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

export { iso as isoTime };
