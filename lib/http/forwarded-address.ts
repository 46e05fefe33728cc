/**
 * The client's socket address on its way through the app (edge-safe).
 *
 * - `server.mjs` (`npm start`) deletes any `x-client-address` a client sent and sets it to the
 *   socket's remote address, on every request. Route handlers believe it only when
 *   TRUST_CLIENT_ADDRESS_HEADER says that server is in front (server.mjs sets it); under plain
 *   `next start` or `next dev` a client could write the header itself.
 * - The middleware's silent refresh calls APP_ORIGIN, i.e. goes through server.mjs again, which
 *   overwrites `x-client-address` with the app's own (loopback) address. So the middleware passes
 *   the client's address on as `x-forwarded-client-address` with an HMAC of it under a key derived
 *   from ACCESS_TOKEN_SECRET with a fixed label (HKDF-SHA-256), and the route handler believes that
 *   address only when the MAC verifies (see lib/http/client.ts). A client that writes these headers
 *   itself cannot produce the MAC, so it can neither pick a fresh rate-limit bucket nor fill
 *   someone else's.
 */
import { base64url } from 'jose';

/** Set by server.mjs to the socket's address; a client-sent value is deleted there. */
export const CLIENT_ADDRESS_HEADER = 'x-client-address';
/** The client's address as the middleware passes it on to the refresh route. */
export const FORWARDED_ADDRESS_HEADER = 'x-forwarded-client-address';
/** base64url HMAC-SHA-256 of the forwarded address (see forwardedAddressMac). */
export const FORWARDED_ADDRESS_MAC_HEADER = 'x-forwarded-client-address-mac';
/** HKDF info: the MAC key is good for this one purpose only, never for tokens. */
export const FORWARDED_ADDRESS_KEY_LABEL = 'next-token-auth forwarded client address v1';

const encoder = new TextEncoder();

let cached: { secret: string; key: Promise<CryptoKey> } | undefined;

/** The HMAC key, derived once per isolate (and again only if the secret changes). */
function macKey(secret: string): Promise<CryptoKey> {
  if (cached?.secret !== secret) {
    const key = crypto.subtle
      .importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(FORWARDED_ADDRESS_KEY_LABEL) },
          base,
          { name: 'HMAC', hash: 'SHA-256', length: 256 },
          false,
          ['sign'],
        ),
      );
    cached = { secret, key };
  }
  return cached.key;
}

/** base64url HMAC-SHA-256(HKDF(secret, label), address): the value of FORWARDED_ADDRESS_MAC_HEADER. */
export async function forwardedAddressMac(secret: string, address: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await macKey(secret), encoder.encode(address));
  return base64url.encode(new Uint8Array(mac));
}
