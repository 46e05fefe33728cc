/**
 * The TLS-terminating proxy in front of the app for the mTLS tests: Debian's nginx with a
 * generated configuration (the one the README documents), or, on a machine without nginx, a small
 * Node `https` proxy doing the same job. With TEST_REQUIRE_NGINX=1 (CI, .ci/run installs nginx) a
 * missing nginx is an error, never a silent fallback.
 *
 * Both: TLS with the server certificate; client certificates requested and verified against the
 * CA (one from another CA is refused with 400); a verified certificate forwarded URL-encoded in
 * `X-SSL-Client-Cert` (nginx's `$ssl_client_escaped_cert`), together with the proxy secret; and
 * whatever the client sent in those headers, or in X-Forwarded-For, is overwritten or dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { TlsMaterial } from './tls';

export const CERT_HEADER = 'X-SSL-Client-Cert';
export const PROXY_SECRET_HEADER = 'X-Mtls-Proxy-Secret';

export interface MtlsProxy {
  kind: 'nginx' | 'node';
  port: number;
  /** The generated nginx configuration (null for the Node proxy). */
  config: string | null;
  stop(): Promise<void>;
}

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx', '/usr/local/bin/nginx'];

export function findNginx(): string | null {
  return NGINX_CANDIDATES.find((candidate) => existsSync(candidate)) ?? null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess | null, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if ((child && child.exitCode !== null) || Date.now() > deadline) throw new Error(`the proxy did not start on port ${port}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The nginx server block the README documents, with this test's paths and ports. */
export function nginxConfig(options: { dir: string; port: number; upstreamPort: number; tls: TlsMaterial; proxySecret: string }): string {
  const { dir, port, upstreamPort, tls, proxySecret } = options;
  return `daemon off;
master_process off;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${path.join(dir, 'body')};
  proxy_temp_path ${path.join(dir, 'proxy')};
  fastcgi_temp_path ${path.join(dir, 'fastcgi')};
  uwsgi_temp_path ${path.join(dir, 'uwsgi')};
  scgi_temp_path ${path.join(dir, 'scgi')};

  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.server.certFile};
    ssl_certificate_key ${tls.server.keyFile};
    # Client certificates: asked for, checked against the CA (a failed check is a 400 here).
    # "optional" lets clients without one reach the app (API keys, the sign-in pages).
    ssl_client_certificate ${tls.ca.certFile};
    ssl_verify_client optional;
    ssl_verify_depth 2;

    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_set_header Host $host;
      # Set, never appended: what a client sent in these headers never reaches the app.
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header ${CERT_HEADER} $ssl_client_escaped_cert;
      proxy_set_header ${PROXY_SECRET_HEADER} "${proxySecret}";
    }
  }
}
`;
}

async function startNginx(binary: string, options: { dir: string; upstreamPort: number; tls: TlsMaterial; proxySecret: string }): Promise<MtlsProxy> {
  const port = await freePort();
  const dir = path.join(options.dir, `nginx-${port}`);
  mkdirSync(dir, { recursive: true });
  const config = nginxConfig({ ...options, dir, port });
  const file = path.join(dir, 'nginx.conf');
  writeFileSync(file, config);
  const child = spawn(binary, ['-p', dir, '-c', file, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForPort(port, child, () => output);
  return {
    kind: 'nginx',
    port,
    config,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Wraps DER bytes as PEM, as nginx's $ssl_client_cert holds it. */
function pemOf(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

async function startNodeProxy(options: { upstreamPort: number; tls: TlsMaterial; proxySecret: string }): Promise<MtlsProxy> {
  const dropped = new Set([CERT_HEADER, PROXY_SECRET_HEADER, 'x-forwarded-for', 'x-real-ip'].map((name) => name.toLowerCase()));
  const server = https.createServer({ key: options.tls.server.key, cert: options.tls.server.cert, ca: options.tls.ca.cert, requestCert: true, rejectUnauthorized: false }, (request, response) => {
    const socket = request.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const presented = peer !== null && Object.keys(peer).length > 0;
    if (presented && !socket.authorized) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('The SSL certificate error');
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) if (!dropped.has(name)) headers[name] = value;
    headers['x-forwarded-for'] = socket.remoteAddress ?? '';
    headers['x-real-ip'] = socket.remoteAddress ?? '';
    headers[PROXY_SECRET_HEADER.toLowerCase()] = options.proxySecret;
    if (presented) headers[CERT_HEADER.toLowerCase()] = encodeURIComponent(pemOf(peer.raw));
    const upstream = http.request({ host: '127.0.0.1', port: options.upstreamPort, method: request.method, path: request.url, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.once('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    kind: 'node',
    port,
    config: null,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts nginx (or, where there is none and TEST_REQUIRE_NGINX is not 1, the Node proxy) in front of 127.0.0.1:`upstreamPort`. */
export async function startMtlsProxy(options: { dir: string; upstreamPort: number; tls: TlsMaterial; proxySecret: string }): Promise<MtlsProxy> {
  const nginx = findNginx();
  if (nginx) return startNginx(nginx, options);
  if (process.env.TEST_REQUIRE_NGINX === '1') throw new Error('TEST_REQUIRE_NGINX=1 but no nginx binary was found (apt-get install -y nginx)');
  return startNodeProxy(options);
}

/** Forces the Node proxy (to test the fallback itself where nginx is installed). */
export const startNodeMtlsProxy = startNodeProxy;
