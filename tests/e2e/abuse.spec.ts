/**
 * Abuse and protocol corners of the production server (`npm start`, i.e. server.mjs around the
 * `next build` output, no proxy in front), issue 9:
 * - every client has its own per-IP bucket from its socket address, so one client's cheap garbage
 *   (page views with a made-up refresh cookie) never refuses another client's sign-in (N58);
 * - no header a client writes changes the address the app records;
 * - Upgrade requests are answered and closed; TRACE and the `*` target are 4xx, never 5xx;
 * - client disconnects are non-events: no log lines, and the server keeps serving.
 *
 * Node's loopback is the whole 127.0.0.0/8, so node:http and node:net clients bound to
 * 127.0.0.2, 127.0.0.3, … are different clients to the server.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { startOwnServer, type OwnServer } from './own-server';
import { PASSWORD, uniqueEmail } from './support';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Client {
  port: number;
  /** The local address the client's socket is bound to: the client's IP as the server sees it. */
  address: string;
}

/** One HTTP/1.1 request over IPv4 from a given loopback address (no Origin header: a script). */
function send(client: Client, method: string, target: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: client.port,
        localAddress: client.address,
        method,
        path: target,
        agent: false,
        headers: { host: `localhost:${client.port}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }), ...options.headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** `name=value` pairs of a response's Set-Cookie lines (Max-Age=0 ones left out), as a Cookie header. */
function cookiesOf(reply: Reply): string {
  return (reply.headers['set-cookie'] ?? [])
    .filter((line) => !/max-age=0/i.test(line))
    .map((line) => line.split(';', 1)[0])
    .join('; ');
}

function cookieValue(cookies: string, name: string): string | undefined {
  return cookies
    .split('; ')
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

interface RawReply {
  /** Everything the server sent before closing (or before the bound ran out). */
  data: string;
  /** Whether the server closed the connection within the bound. */
  closed: boolean;
}

/** Sends raw bytes and collects the answer until the server closes, for at most `boundMs`. */
function raw(port: number, bytes: string, boundMs = 5_000): Promise<RawReply> {
  return new Promise((resolve) => {
    let data = '';
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data, closed: false });
    }, boundMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
  });
}

function statusOf(reply: RawReply): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(reply.data)?.[1] ?? 0);
}

function jsonBodyOf(reply: RawReply): unknown {
  return JSON.parse(reply.data.slice(reply.data.indexOf('\r\n\r\n') + 4));
}

/** Sends the head and half of a declared body, then disconnects once the server has had the bytes. */
function halfSent(port: number, method: string, target: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":"half@`, () => {
        setTimeout(() => socket.destroy(), 20);
      });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** A value shaped like a refresh token (so the middleware calls the refresh route) that no session has. */
function madeUpRefreshToken(): string {
  return `${randomBytes(16).toString('base64url')}.0.${randomBytes(32).toString('base64url')}`;
}

/** The session list's row for the caller's own session. */
async function currentSessionIp(client: Client, cookies: string): Promise<unknown> {
  const reply = await send(client, 'GET', '/api/auth/sessions', { headers: { cookie: cookies } });
  expect(reply.status, reply.body).toBe(200);
  const { sessions } = JSON.parse(reply.body) as { sessions: { current: boolean; ip: unknown }[] };
  return sessions.find((session) => session.current)?.ip;
}

test.describe('one client cannot refuse another client\'s sign-in', () => {
  const IP_LIMIT = 20;
  // A second production server from the same build, with a small per-IP limit, whose output the
  // test reads. Same command as `npm start`.
  let server: OwnServer;

  test.beforeAll(async () => {
    server = await startOwnServer({
      command: 'start',
      env: { BCRYPT_COST: '12', RATE_LIMIT_PER_IP: `${IP_LIMIT}/15m`, TRUST_PROXY: 'false' },
      readyPath: '/login',
      timeoutMs: 60_000,
    });
  });

  test.afterAll(async () => {
    await server?.stop();
  });

  test('page views with a made-up refresh cookie fill the sender\'s bucket only', async () => {
    const attacker: Client = { port: server.port, address: '127.0.0.2' };
    const victim: Client = { port: server.port, address: '127.0.0.3' };
    // More than the per-IP limit; each one makes the middleware call the refresh route, which fails.
    for (let i = 0; i < IP_LIMIT + 5; i += 1) {
      const reply = await send(attacker, 'GET', '/dashboard', { headers: { cookie: `refresh_token=${madeUpRefreshToken()}` } });
      expect(reply.status, `page view ${i + 1}`).toBe(303);
    }
    const email = uniqueEmail('lockout');
    const registered = await send(victim, 'POST', '/api/auth/register', { json: { email, password: PASSWORD } });
    expect(registered.status, registered.body).toBe(201);
    const signedIn = await send(victim, 'POST', '/api/auth/login', { json: { email, password: PASSWORD } });
    expect(signedIn.status, signedIn.body).toBe(200);
    // The sender itself is refused: the failures were charged to its own address, not the app's.
    const refused = await send(attacker, 'POST', '/api/auth/login', { json: { email, password: PASSWORD } });
    expect(refused.status, refused.body).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'rate_limited' } });
  });

  test('aborted requests leave no log lines and the server keeps serving', async () => {
    const before = server.output().length;
    const targets = [
      ['POST', '/dashboard'], // through the middleware, which buffers the body for the edge sandbox
      ['POST', '/api/auth/login'], // straight to a route handler reading the body
      ['POST', '/api/auth/password'],
      ['PUT', '/account'],
    ] as const;
    for (let i = 0; i < 200; i += 1) {
      const [method, target] = targets[i % targets.length] ?? targets[0];
      await halfSent(server.port, method, target);
    }
    // Requests after the aborts are answered, and have passed through the same handlers.
    for (let i = 0; i < 5; i += 1) expect((await send({ port: server.port, address: '127.0.0.4' }, 'GET', '/login')).status).toBe(200);
    const lines = server.output().slice(before).filter((line) => /aborted|uncaughtException|ECONNRESET|unhandled_error/i.test(line));
    expect(lines).toEqual([]);
  });
});

test.describe('the address the app records', () => {
  test('is the socket address, whatever x-client-address or a forwarded address with a wrong MAC says', async ({ baseURL }) => {
    const port = Number(new URL(baseURL ?? '').port);
    const client: Client = { port, address: '127.0.0.2' };
    const email = uniqueEmail('forged-address');
    const registered = await send(client, 'POST', '/api/auth/register', { json: { email, password: PASSWORD }, headers: { 'x-client-address': '203.0.113.9', 'x-forwarded-for': '203.0.113.10' } });
    expect(registered.status, registered.body).toBe(201);
    expect(await currentSessionIp(client, cookiesOf(registered))).toBe('127.0.0.2');

    const forged = {
      'x-client-address': '203.0.113.9',
      'x-forwarded-client-address': '203.0.113.11',
      'x-forwarded-client-address-mac': randomBytes(32).toString('base64url'),
    };
    const signedIn = await send({ port, address: '127.0.0.3' }, 'POST', '/api/auth/login', { json: { email, password: PASSWORD }, headers: forged });
    expect(signedIn.status, signedIn.body).toBe(200);
    expect(await currentSessionIp(client, cookiesOf(signedIn))).toBe('127.0.0.3');
  });

  test('is the client\'s after a silent refresh through the middleware', async ({ baseURL }) => {
    const port = Number(new URL(baseURL ?? '').port);
    const email = uniqueEmail('silent-refresh-ip');
    const registered = await send({ port, address: '127.0.0.2' }, 'POST', '/api/auth/register', { json: { email, password: PASSWORD } });
    expect(registered.status, registered.body).toBe(201);
    const refreshToken = cookieValue(cookiesOf(registered), 'refresh_token');
    expect(refreshToken).toBeDefined();

    // The same browser, now at 127.0.0.4, opens a page with only its refresh cookie: the
    // middleware refreshes (calling the app itself) and the page renders signed in.
    const mover: Client = { port, address: '127.0.0.4' };
    const page = await send(mover, 'GET', '/dashboard', { headers: { cookie: `refresh_token=${refreshToken}` } });
    expect(page.status).toBe(200);
    expect(page.body).toContain(email);
    const rotated = cookiesOf(page);
    expect(cookieValue(rotated, 'refresh_token')).not.toBe(refreshToken);
    expect(await currentSessionIp(mover, rotated)).toBe('127.0.0.4');
  });
});

test.describe('protocol corners', () => {
  test('an Upgrade request is answered and its socket closed; 300 of them leave the server serving', async ({ baseURL }) => {
    const port = Number(new URL(baseURL ?? '').port);
    for (let i = 0; i < 300; i += 1) {
      const target = ['/dashboard', '/', '/api/auth/me', '/_next/webpack-hmr'][i % 4];
      const reply = await raw(port, `GET ${target} HTTP/1.1\r\nHost: localhost:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      expect(reply.closed, `upgrade ${i + 1} closed`).toBe(true);
      expect(statusOf(reply), `upgrade ${i + 1}`).toBe(400);
    }
    expect((await send({ port, address: '127.0.0.1' }, 'GET', '/login')).status).toBe(200);
  });

  test('TRACE on any route and the * request target get a 4xx JSON error, never a 5xx', async ({ baseURL }) => {
    const port = Number(new URL(baseURL ?? '').port);
    for (const target of ['/', '/api/auth/me', '/dashboard', '/login']) {
      const reply = await raw(port, `TRACE ${target} HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
      expect(statusOf(reply), `TRACE ${target}`).toBe(405);
      expect(reply.data).toMatch(/\r\nallow: [^\r]*GET/i);
      expect(reply.data).toMatch(/\r\ncache-control: no-store\r\n/i);
      expect(reply.data).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
      expect(jsonBodyOf(reply)).toMatchObject({ error: { code: 'method_not_allowed', message: expect.any(String) } });
    }
    // TRACK is no method Node's parser knows: a malformed request, answered quietly.
    for (const request of [`OPTIONS * HTTP/1.1`, `GET http://localhost:${port}/dashboard HTTP/1.1`, `OPTIONS http://evil.example/ HTTP/1.1`, `TRACK / HTTP/1.1`]) {
      const reply = await raw(port, `${request}\r\nHost: localhost:${port}\r\n\r\n`);
      expect(statusOf(reply), request).toBe(400);
      expect(jsonBodyOf(reply)).toMatchObject({ error: { code: 'bad_request', message: expect.any(String) } });
    }
    expect((await send({ port, address: '127.0.0.1' }, 'GET', '/login')).status).toBe(200);
  });
});
