/**
 * Machine clients over mutual TLS (contract "Machine clients", checklist 71, RFC 8705), for real: a
 * CA, a second CA, client and server certificates made with openssl at test time
 * (tests/support/tls.ts); Debian's nginx (or, on a machine without it, a Node `https` proxy; CI
 * requires nginx) terminating TLS in front of the production server (server.mjs on the suite's
 * build); a client with the certificate gets a bound token and calls /api/auth/me.
 * Refused: no certificate, another CA's certificate, the bound token with another certificate or
 * none, a forged certificate header through the proxy, and the header sent straight to the app.
 * The edge middleware (pages) never accepts a certificate-bound token.
 */
import { rmSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { expect, test } from '@playwright/test';
import { CERT_HEADER, PROXY_SECRET_HEADER, startMtlsProxy, startNodeMtlsProxy, type MtlsProxy } from '../support/mtls-proxy';
import { makeTlsMaterial, type ClientPem, type TlsMaterial } from '../support/tls';
import { startOwnServer, type OwnServer } from './own-server';

const PROXY_SECRET = 'f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let tls: TlsMaterial;
let app: OwnServer;
let proxy: MtlsProxy;

/** One HTTPS request through the proxy, with a client certificate or none; `null` when the TLS handshake itself was refused. */
function throughProxy(options: { method?: string; path: string; client?: ClientPem; headers?: Record<string, string>; body?: string; via?: MtlsProxy }): Promise<Answer | null> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: '127.0.0.1',
        port: (options.via ?? proxy).port,
        method: options.method ?? 'GET',
        path: options.path,
        ca: tls.ca.cert,
        cert: options.client?.cert,
        key: options.client?.key,
        agent: false,
        headers: options.headers,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => (error.code?.startsWith('ERR_SSL') || error.code === 'ECONNRESET' ? resolve(null) : reject(error)));
    request.end(options.body);
  });
}

/** One plain HTTP request straight to the app, bypassing the proxy. */
function straightToApp(options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: app.port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function tokenFor(client: ClientPem): Promise<string> {
  const answer = await throughProxy({ method: 'POST', path: '/api/auth/token', client, headers: FORM, body: 'grant_type=client_credentials' });
  expect(answer?.status, answer?.body).toBe(200);
  return (JSON.parse(answer?.body ?? '{}') as { access_token: string }).access_token;
}

test.describe('machine clients: mutual TLS through a real proxy', () => {
  test.beforeAll(async () => {
    tls = makeTlsMaterial();
    app = await startOwnServer({
      command: 'start',
      readyPath: '/login',
      timeoutMs: 60_000,
      env: {
        TRUST_PROXY: 'true',
        MTLS_CLIENT_CERT_HEADER: CERT_HEADER,
        MTLS_PROXY_SECRET: PROXY_SECRET,
        MTLS_CLIENTS: JSON.stringify([
          { clientId: 'billing', subject: 'CN=billing-service,O=Example' },
          { clientId: 'reports', sha256: tls.reports.sha256.replace(/(..)(?!$)/g, '$1:').toUpperCase() },
        ]),
        RATE_LIMIT_PER_IP: '1000/15m',
      },
    });
    proxy = await startMtlsProxy({ dir: tls.dir, upstreamPort: app.port, tls, proxySecret: PROXY_SECRET });
  });

  test.afterAll(async () => {
    await proxy?.stop();
    await app?.stop();
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  });

  test('a client with its certificate gets a bound token (RFC 6749 §5.1) and calls /api/auth/me with it', async () => {
    // CI must run this through nginx itself, not the fallback.
    if (process.env.TEST_REQUIRE_NGINX === '1') expect(proxy.kind).toBe('nginx');
    const answer = await throughProxy({ method: 'POST', path: '/api/auth/token', client: tls.billing, headers: FORM, body: 'grant_type=client_credentials&client_id=billing' });
    expect(answer?.status, answer?.body).toBe(200);
    expect(answer?.headers['cache-control']).toBe('no-store');
    expect(answer?.headers['set-cookie']).toBeUndefined();
    const body = JSON.parse(answer?.body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeGreaterThan(0);
    const token = String(body.access_token);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'billing', client_id: 'billing', cnf: { 'x5t#S256': tls.billing.thumbprint } });
    expect(claims.sid).toBeUndefined();

    const me = await throughProxy({ path: '/api/auth/me', client: tls.billing, headers: { authorization: `Bearer ${token}` } });
    expect(me?.status, me?.body).toBe(200);
    expect(JSON.parse(me?.body ?? '{}')).toMatchObject({ user: null, session: null, client: { id: 'billing' }, cnf: { 'x5t#S256': tls.billing.thumbprint } });

    // The client configured by fingerprint works too.
    const reports = await tokenFor(tls.reports);
    const reportsMe = await throughProxy({ path: '/api/auth/me', client: tls.reports, headers: { authorization: `Bearer ${reports}` } });
    expect(JSON.parse(reportsMe?.body ?? '{}')).toMatchObject({ client: { id: 'reports' } });
  });

  test('refused: no certificate, another CA’s certificate (same subject), a client_id that is not the certificate’s, an unknown grant', async () => {
    const none = await throughProxy({ method: 'POST', path: '/api/auth/token', headers: FORM, body: 'grant_type=client_credentials' });
    expect(none?.status).toBe(400);
    expect(JSON.parse(none?.body ?? '{}')).toMatchObject({ error: 'invalid_client' });

    // The proxy's CA check refuses it (400 from the proxy, or a failed handshake): no token either way.
    const impostor = await throughProxy({ method: 'POST', path: '/api/auth/token', client: tls.impostor, headers: FORM, body: 'grant_type=client_credentials' });
    expect(impostor === null || impostor.status === 400).toBe(true);
    expect(impostor?.body ?? '').not.toContain('access_token');

    const wrongId = await throughProxy({ method: 'POST', path: '/api/auth/token', client: tls.billing, headers: FORM, body: 'grant_type=client_credentials&client_id=reports' });
    expect(JSON.parse(wrongId?.body ?? '{}')).toMatchObject({ error: 'invalid_client' });

    const unsupported = await throughProxy({ method: 'POST', path: '/api/auth/token', client: tls.billing, headers: FORM, body: 'grant_type=password&username=a&password=b' });
    expect(unsupported?.status).toBe(400);
    expect(JSON.parse(unsupported?.body ?? '{}')).toMatchObject({ error: 'unsupported_grant_type' });
  });

  test('the bound token is refused without its certificate: none, another client’s, and on session-only APIs', async () => {
    const token = await tokenFor(tls.billing);
    const bearer = { authorization: `Bearer ${token}` };
    const withoutCertificate = await throughProxy({ path: '/api/auth/me', headers: bearer });
    expect(withoutCertificate?.status).toBe(401);
    expect(JSON.parse(withoutCertificate?.body ?? '{}')).toMatchObject({ error: { code: 'unauthenticated' } });
    const otherCertificate = await throughProxy({ path: '/api/auth/me', client: tls.reports, headers: bearer });
    expect(otherCertificate?.status).toBe(401);
    // Routes that take sessions only never take a client token, certificate or not.
    const sessions = await throughProxy({ path: '/api/auth/sessions', client: tls.billing, headers: bearer });
    expect(sessions?.status).toBe(401);
    const keys = await throughProxy({ path: '/api/auth/api-keys', client: tls.billing, headers: bearer });
    expect(keys?.status).toBe(401);
  });

  test('the Node fallback proxy (used where nginx is missing) does the same job', async () => {
    const fallback = await startNodeMtlsProxy({ upstreamPort: app.port, tls, proxySecret: PROXY_SECRET });
    try {
      const answer = await throughProxy({ via: fallback, method: 'POST', path: '/api/auth/token', client: tls.billing, headers: FORM, body: 'grant_type=client_credentials' });
      expect(answer?.status, answer?.body).toBe(200);
      const token = (JSON.parse(answer?.body ?? '{}') as { access_token: string }).access_token;
      const me = await throughProxy({ via: fallback, path: '/api/auth/me', client: tls.billing, headers: { authorization: `Bearer ${token}` } });
      expect(JSON.parse(me?.body ?? '{}')).toMatchObject({ client: { id: 'billing' } });
      expect((await throughProxy({ via: fallback, path: '/api/auth/me', client: tls.reports, headers: { authorization: `Bearer ${token}` } }))?.status).toBe(401);
      const impostor = await throughProxy({ via: fallback, method: 'POST', path: '/api/auth/token', client: tls.impostor, headers: FORM, body: 'grant_type=client_credentials' });
      expect(impostor === null || impostor.status === 400).toBe(true);
      const forged = await throughProxy({ via: fallback, method: 'POST', path: '/api/auth/token', headers: { ...FORM, [CERT_HEADER]: encodeURIComponent(tls.billing.cert) }, body: 'grant_type=client_credentials' });
      expect(JSON.parse(forged?.body ?? '{}')).toMatchObject({ error: 'invalid_client' });
    } finally {
      await fallback.stop();
    }
  });

  test('pages: the edge middleware never accepts a certificate-bound token, with or without the certificate', async () => {
    // The control: a user's own access cookie opens the page through the same proxy.
    const registered = await throughProxy({
      method: 'POST',
      path: '/api/auth/register',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `mtls-${Date.now()}@example.com`, password: 'correct horse battery staple' }),
    });
    expect(registered?.status, registered?.body).toBe(201);
    const userCookie = (registered?.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]).find((pair) => pair?.startsWith('access_token='));
    const userPage = await throughProxy({ path: '/dashboard', headers: { cookie: userCookie ?? '' } });
    expect(userPage?.status).toBe(200);

    const token = await tokenFor(tls.billing);
    const page = await throughProxy({ path: '/dashboard', client: tls.billing, headers: { cookie: `access_token=${token}` } });
    expect(page?.status).toBe(303);
    expect(String(page?.headers.location)).toMatch(/\/login\?next=%2Fdashboard$/);
  });

  test('a certificate header the client writes itself is ignored: through the proxy (overwritten) and straight to the app', async () => {
    const forged = encodeURIComponent(tls.billing.cert);
    // Through the proxy without presenting the certificate: the proxy drops the client's header.
    const throughForged = await throughProxy({ method: 'POST', path: '/api/auth/token', headers: { ...FORM, [CERT_HEADER]: forged }, body: 'grant_type=client_credentials' });
    expect(JSON.parse(throughForged?.body ?? '{}')).toMatchObject({ error: 'invalid_client' });

    // Straight to the app (a hole in the firewall): without the proxy's secret the header counts for nothing.
    const direct = await straightToApp({ method: 'POST', path: '/api/auth/token', headers: { ...FORM, [CERT_HEADER]: forged }, body: 'grant_type=client_credentials' });
    expect(direct.status).toBe(400);
    expect(JSON.parse(direct.body)).toMatchObject({ error: 'invalid_client' });
    const guessed = await straightToApp({ method: 'POST', path: '/api/auth/token', headers: { ...FORM, [CERT_HEADER]: forged, [PROXY_SECRET_HEADER]: 'not-the-secret' }, body: 'grant_type=client_credentials' });
    expect(JSON.parse(guessed.body)).toMatchObject({ error: 'invalid_client' });
    // Nor does it make a stolen bound token usable without the private key.
    const token = await tokenFor(tls.billing);
    const me = await straightToApp({ path: '/api/auth/me', headers: { authorization: `Bearer ${token}`, [CERT_HEADER]: forged } });
    expect(me.status).toBe(401);
  });
});

test.describe('machine clients: without TRUST_PROXY the certificate header is never read', () => {
  let plain: OwnServer;
  let material: TlsMaterial;

  test.beforeAll(async () => {
    material = makeTlsMaterial();
    plain = await startOwnServer({
      command: 'start',
      readyPath: '/login',
      timeoutMs: 60_000,
      env: { MTLS_CLIENT_CERT_HEADER: CERT_HEADER, MTLS_CLIENTS: JSON.stringify([{ clientId: 'billing', subject: 'CN=billing-service,O=Example' }]) },
    });
  });

  test.afterAll(async () => {
    await plain?.stop();
    if (material) rmSync(material.dir, { recursive: true, force: true });
  });

  test('a forged header straight to an app without TRUST_PROXY gets invalid_client, and the start warned about it', async () => {
    const response = await fetch(`http://127.0.0.1:${plain.port}/api/auth/token`, {
      method: 'POST',
      headers: { ...FORM, [CERT_HEADER]: encodeURIComponent(material.billing.cert) },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    expect(plain.output().some((line) => line.includes('MTLS_CLIENT_CERT_HEADER is ignored because TRUST_PROXY is off'))).toBe(true);
  });
});
