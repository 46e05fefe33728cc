/**
 * Native apps (NATIVE_CLIENTS, RFC 8252): public clients, known by their id and redirect URIs.
 * Redirect URIs match exactly, character for character (RFC 9700 §4.1.3), with one exception
 * RFC 8252 §7.3 requires: a loopback URI matches on any port, since the app picks a free one
 * each time it listens.
 */
import 'server-only';
import { LOOPBACK_REDIRECT, type NativeClient } from '@/lib/config';

/** The configured native app with this id, or null. */
export function findNativeClient(clients: readonly NativeClient[], clientId: string | undefined): NativeClient | null {
  if (clientId === undefined) return null;
  return clients.find((client) => client.clientId === clientId) ?? null;
}

/** A loopback URI without its port (`http://127.0.0.1/cb` for `http://127.0.0.1:5123/cb`), or null for any other URI. */
function withoutLoopbackPort(uri: string): string | null {
  const match = LOOPBACK_REDIRECT.exec(uri);
  if (!match) return null;
  const port = match[2];
  // A port outside 1–65535, or written with a leading zero, is no port a listener has.
  if (port !== undefined && (!/^[1-9]\d*$/.test(port) || Number(port) > 65_535)) return null;
  return `http://${match[1]}${match[3] ?? ''}`;
}

/** Whether `uri` is one of the client's redirect URIs: exactly, or a registered loopback URI on any port. */
export function isRegisteredRedirectUri(client: NativeClient, uri: string): boolean {
  const loopback = withoutLoopbackPort(uri);
  return client.redirectUris.some((registered) => registered === uri || (loopback !== null && withoutLoopbackPort(registered) === loopback));
}
