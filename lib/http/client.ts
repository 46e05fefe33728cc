/**
 * Who is calling: IP and user agent for sessions, events and rate limits.
 *
 * Next.js does not give route handlers the socket address; it copies it into X-Forwarded-For
 * only when the client sent none. So forwarding headers are believed only when TRUST_PROXY says a
 * proxy we control sets them (Vercel, nginx). Then the last X-Forwarded-For entry wins: the one
 * our proxy appended, not one the client wrote. X-Real-IP is used only when there is no
 * X-Forwarded-For, since a proxy that merely appends X-Forwarded-For passes a client's own
 * X-Real-IP through. Without a trusted proxy the IP is unknown (null) and rotating those headers
 * changes nothing.
 */
import type { ClientContext } from '@/lib/auth/events';

const MAX_USER_AGENT = 512;
const IP = /^[0-9a-fA-F:.]{2,45}$/;

function clean(ip: string | undefined): string | null {
  const value = ip?.trim();
  return value && IP.test(value) ? value : null;
}

/** The client's IP and user agent. */
export function clientContext(headers: Headers, trustProxy: boolean): ClientContext {
  const userAgent = headers.get('user-agent')?.slice(0, MAX_USER_AGENT) ?? null;
  if (!trustProxy) return { ip: null, userAgent };
  const forwarded = headers.get('x-forwarded-for')?.split(',');
  if (forwarded) return { ip: clean(forwarded[forwarded.length - 1]), userAgent };
  return { ip: clean(headers.get('x-real-ip') ?? undefined), userAgent };
}
