/**
 * Who is calling: IP and user agent for sessions, events and rate limits.
 *
 * Next.js does not give route handlers the socket address; it copies it into X-Forwarded-For
 * only when the client sent none. So forwarding headers are believed only when TRUST_PROXY says a
 * proxy we control sets them (Vercel, nginx). Then the last X-Forwarded-For entry wins: the one
 * our proxy appended, not one the client wrote. X-Real-IP is used only when there is no
 * X-Forwarded-For, since a proxy that merely appends X-Forwarded-For passes a client's own
 * X-Real-IP through.
 *
 * Without a trusted proxy, `npm start` (server.mjs) records the socket address in
 * `x-client-address` after deleting any value the client sent, and says so with
 * TRUST_CLIENT_ADDRESS_HEADER; the middleware's own refresh call carries the client's address in
 * `x-forwarded-client-address`, believed only with a valid MAC (lib/http/forwarded-address.ts).
 * Without that server (`next dev`, plain `next start`) the IP is unknown (null): every client
 * shares one bucket, and no header a client writes changes that.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { ClientContext } from '@/lib/auth/events';
import type { Config } from '@/lib/config';
import { CLIENT_ADDRESS_HEADER, FORWARDED_ADDRESS_HEADER, FORWARDED_ADDRESS_KEY_LABEL, FORWARDED_ADDRESS_MAC_HEADER } from './forwarded-address';

const MAX_USER_AGENT = 512;
const IP = /^[0-9a-fA-F:.]{2,45}$/;

function clean(ip: string | undefined): string | null {
  const value = ip?.trim();
  return value && IP.test(value) ? value : null;
}

/** A literal IPv4 or IPv6 address, or null. */
function address(value: string | null): string | null {
  return value !== null && value.length <= 64 && isIP(value) !== 0 ? value : null;
}

let derived: { secret: string; key: Buffer } | undefined;

/** The forwarded-address MAC key: HKDF-SHA-256 of the access secret with a fixed label (as on the edge). */
function forwardedAddressKey(secret: string): Buffer {
  if (derived?.secret !== secret) derived = { secret, key: Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), FORWARDED_ADDRESS_KEY_LABEL, 32)) };
  return derived.key;
}

/** The address the middleware forwarded, when its MAC is the one our key makes (constant time); else null. */
export function verifiedForwardedAddress(headers: Headers, secret: string): string | null {
  const forwarded = headers.get(FORWARDED_ADDRESS_HEADER);
  const mac = headers.get(FORWARDED_ADDRESS_MAC_HEADER);
  if (forwarded === null || mac === null) return null;
  const expected = createHmac('sha256', forwardedAddressKey(secret)).update(forwarded, 'utf8').digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return address(forwarded);
}

export type ClientContextConfig = Pick<Config, 'trustProxy' | 'trustClientAddressHeader' | 'accessTokenSecret'>;

/** The client's IP and user agent. */
export function clientContext(headers: Headers, config: ClientContextConfig): ClientContext {
  const userAgent = headers.get('user-agent')?.slice(0, MAX_USER_AGENT) ?? null;
  if (!config.trustProxy) {
    if (!config.trustClientAddressHeader) return { ip: null, userAgent };
    const ip = verifiedForwardedAddress(headers, config.accessTokenSecret) ?? address(headers.get(CLIENT_ADDRESS_HEADER));
    return { ip, userAgent };
  }
  const forwarded = headers.get('x-forwarded-for')?.split(',');
  if (forwarded) return { ip: clean(forwarded[forwarded.length - 1]), userAgent };
  return { ip: clean(headers.get('x-real-ip') ?? undefined), userAgent };
}
