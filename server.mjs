// @ts-check
/**
 * The production server (`npm start`): a small Node HTTP server around Next's request handler.
 *
 * Why not `next start`: it gives route handlers no trustworthy client address (Next copies the
 * socket address into X-Forwarded-For only when a client sent none), so without a proxy every
 * client shared one rate-limit bucket and one client could lock everyone out of sign-in. It also
 * leaves a few protocol corners to Next that Next answers badly. This file:
 * - deletes any `x-client-address` a client sent and sets it to the socket's address (IPv4-mapped
 *   IPv6 written as plain IPv4), on every request; TRUST_CLIENT_ADDRESS_HEADER tells the app that
 *   it may believe that header (it uses it only without TRUST_PROXY; see lib/http/client.ts);
 * - answers `Upgrade` requests (this app serves no WebSockets) with 400 and closes the socket:
 *   Next left them unanswered and held the socket forever;
 * - answers TRACE with 405 and request targets that are not a path (`*`, absolute-form) with
 *   400, in the contract's JSON error shape, before Next (which answered 500);
 * - treats client disconnects as non-events: malformed requests get a quiet 400, and the
 *   "aborted" errors Next's middleware runner prints when a client leaves mid-body are dropped.
 *
 * It reads PORT (and NODE_ENV) from process.env itself: it is the entry point, runs before the
 * app's configuration module exists, and only decides where to listen. Everything else is read by
 * lib/config.ts. `--port`/`-p` and `--hostname`/`-H` work as with `next start`.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';

const CLIENT_ADDRESS_HEADER = 'x-client-address';
/** Methods a route may answer; TRACE (cross-site tracing) is never among them. */
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/**
 * The contract's error bodies for the answers given here (`bad_request` and `method_not_allowed`
 * as in lib/auth/errors.ts; the other two only ever come from here, before any route).
 */
const ERRORS = {
  bad_request: { status: 400, reason: 'Bad Request', message: 'The request is malformed or not supported.' },
  // Node's own answers to oversized headers and slow requests, kept with their statuses.
  headers_too_large: { status: 431, reason: 'Request Header Fields Too Large', message: 'The request headers are too large.' },
  request_timeout: { status: 408, reason: 'Request Timeout', message: 'The request took too long to arrive.' },
  method_not_allowed: { status: 405, reason: 'Method Not Allowed', message: 'This method is not allowed here.' },
};
/** @typedef {keyof typeof ERRORS} ErrorCode */

/** @param {ErrorCode} code */
function errorJson(code) {
  return JSON.stringify({ error: { code, message: ERRORS[code].message } });
}

/**
 * A complete HTTP/1.1 error response for a raw socket (upgrade and client errors, where no
 * ServerResponse exists), closing the connection.
 * @param {ErrorCode} code
 */
function rawErrorResponse(code) {
  const body = errorJson(code);
  return [
    `HTTP/1.1 ${ERRORS[code].status} ${ERRORS[code].reason}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    '',
    body,
  ].join('\r\n');
}

/**
 * Writes an error response on a raw socket and closes it; destroys it when it cannot be written
 * or does not drain within a second (a client that never reads must not keep the socket).
 * @param {import('node:stream').Duplex} socket
 * @param {ErrorCode} code
 */
function refuseSocket(socket, code) {
  socket.on('error', () => undefined);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(code));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {ErrorCode} code
 * @param {Record<string, string>} [headers]
 */
function refuse(res, code, headers = {}) {
  const body = errorJson(code);
  res.writeHead(ERRORS[code].status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  });
  res.end(body);
}

/**
 * The socket's remote address, with IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket
 * reports for IPv4 clients) written as plain IPv4.
 * @param {string | undefined} address
 */
function normaliseAddress(address) {
  if (!address) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? /** @type {string} */ (mapped[1]) : address;
}

/**
 * Errors that only say the client went away mid-request (Node's IncomingMessage "aborted").
 * @param {unknown} value
 */
function isClientAbort(value) {
  return value instanceof Error && value.message === 'aborted' && /** @type {{ code?: unknown }} */ (value).code === 'ECONNRESET';
}

/**
 * Next's middleware runner buffers a request body for the edge sandbox; when the client
 * disconnects before the body is complete it prints the stream's "aborted" error with
 * console.error (next-server's handleCatchallMiddlewareRequest), once per request, and its
 * router may print it again as an uncaughtException. We cannot change Next, so exactly those
 * errors are dropped here; every other line passes through untouched.
 */
function silenceClientAborts() {
  const write = console.error.bind(console);
  console.error = (...args) => {
    if (args.some(isClientAbort)) return;
    write(...args);
  };
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ port?: string, hostname?: string }} */
  const options = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = /** @type {string} */ (argv[i]);
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[(i += 1)];
    if (flag === '--port' || flag === '-p') options.port = value();
    else if (flag === '--hostname' || flag === '-H') options.hostname = value();
    else throw new Error(`Unknown argument ${arg}; use --port <n> and --hostname <host>`);
  }
  return options;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const port = Number(args.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port ${args.port ?? process.env.PORT}`);
  // As `next start` does: a production server, whatever the shell says.
  Object.assign(process.env, { NODE_ENV: 'production' });
  // The app believes x-client-address only when this server (which overwrites it) is in front.
  process.env.TRUST_CLIENT_ADDRESS_HEADER = 'true';
  silenceClientAborts();

  const dir = path.dirname(fileURLToPath(import.meta.url));
  // NEXT_DIST_DIR (the e2e build's folder) reaches Next through next.config.js as with `next start`.
  const app = next({ dev: false, dir, port, hostname: args.hostname ?? 'localhost' });
  const handle = app.getRequestHandler();
  await app.prepare();

  /** @param {import('node:http').IncomingMessage} req @param {import('node:stream').Duplex} socket */
  const refuseUpgrade = (req, socket) => refuseSocket(socket, 'bad_request');
  let nextUpgradeRemoved = false;

  const server = createServer((req, res) => {
    const target = req.url ?? '';
    if (!target.startsWith('/')) return refuse(res, 'bad_request');
    // (TRACK never gets here: Node's parser refuses it as a malformed request, see clientError.)
    if (req.method === 'TRACE') return refuse(res, 'method_not_allowed', { Allow: ALLOWED_METHODS });
    // A client must never choose the address the app sees.
    delete req.headers[CLIENT_ADDRESS_HEADER];
    const address = normaliseAddress(req.socket.remoteAddress);
    if (address) req.headers[CLIENT_ADDRESS_HEADER] = address;
    handle(req, res).catch(() => {
      // Next answers its own errors; this only guards against a rejected handler promise.
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
    if (!nextUpgradeRemoved) {
      // Next's handler attaches its own 'upgrade' listener to this server on the first request
      // (for dev-mode HMR); in production it leaves ordinary routes unanswered. Keep ours only.
      nextUpgradeRemoved = true;
      for (const listener of server.listeners('upgrade')) if (listener !== refuseUpgrade) server.removeListener('upgrade', /** @type {(...args: unknown[]) => void} */ (listener));
    }
  });
  server.on('upgrade', refuseUpgrade);
  server.on('clientError', (error, socket) => {
    // Malformed requests and early disconnects: a quiet 4xx when the socket can still take it
    // (431 and 408 as Node itself would answer), nothing logged.
    const code = /** @type {{ code?: unknown }} */ (error).code;
    if (code === 'ECONNRESET') socket.destroy();
    else if (code === 'HPE_HEADER_OVERFLOW') refuseSocket(socket, 'headers_too_large');
    else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') refuseSocket(socket, 'request_timeout');
    else refuseSocket(socket, 'bad_request');
  });
  server.listen(port, args.hostname, () => {
    console.log(`> Ready on http://${args.hostname ?? 'localhost'}:${port}`);
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
