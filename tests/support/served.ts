/**
 * Requests as Next.js hands them to a route handler when the browser used another address than
 * APP_ORIGIN: the URL's host is the server's own listening address (`localhost:<port>`, or what
 * the test gives), the `Host` header the address the browser typed.
 */
import type { Handler } from './http';
import { call } from './http';

export interface Served {
  /** The request URL; Next.js builds it from its own listening address. */
  url: string;
  /** The `Host` header; omitted when null. */
  host: string | null;
  origin: string;
}

/** A JSON POST to `url` with the given Host and Origin, passed to `handler`. */
export async function postServed(handler: Handler, { url, host, origin }: Served, json: unknown): Promise<Response> {
  const body = JSON.stringify(json);
  const headers = new Headers({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), origin });
  if (host !== null) headers.set('host', host);
  return call(handler, new Request(url, { method: 'POST', headers, body }));
}
