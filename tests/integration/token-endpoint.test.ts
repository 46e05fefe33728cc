/**
 * POST /api/auth/token with grant_type=client_credentials (RFC 6749 §4.4, RFC 8705), through the
 * real route handlers with the headers a trusted proxy would add, on both databases: the RFC 6749
 * §5.1/§5.2 shapes, the request rules, the certificate forms accepted, the proxy secret, the
 * certificate's validity period, and the binding of the token on /api/auth/me. The proxy itself,
 * for real, is tests/e2e/mtls.spec.ts.
 */
import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../support/app';
import { advanceClock, freezeClock, restoreClock } from '../support/clock';
import { DAY, MINUTE } from '../support/env';
import { apiRequest, type Handler } from '../support/http';
import { makeTlsMaterial, type ClientPem, type TlsMaterial } from '../support/tls';

const PROXY_SECRET = '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
const HEADER = 'X-SSL-Client-Cert';

let tls: TlsMaterial;
let token: Partial<Record<'GET' | 'POST', Handler>>;
let me: Partial<Record<'GET', Handler>>;

beforeAll(async () => {
  tls = makeTlsMaterial();
  // The certificates are valid from the real now: the frozen clock starts there.
  freezeClock(Date.now());
  await startApp({
    TRUST_PROXY: 'true',
    MTLS_CLIENT_CERT_HEADER: HEADER,
    MTLS_PROXY_SECRET: PROXY_SECRET,
    MTLS_CLIENTS: JSON.stringify([
      { clientId: 'billing', subject: 'O=Example, CN=billing-service' },
      { clientId: 'reports', sha256: tls.reports.sha256 },
    ]),
  });
  token = await import('@/app/api/auth/token/route');
  me = await import('@/app/api/auth/me/route');
});

afterAll(() => {
  restoreClock();
  rmSync(tls.dir, { recursive: true, force: true });
});

const urlEncodedPem = (client: ClientPem) => encodeURIComponent(client.cert);
const base64Der = (client: ClientPem) => new X509Certificate(client.cert).raw.toString('base64');

/** The headers the proxy adds for a verified certificate (in `form`), plus the proxy secret unless told otherwise. */
function proxied(certificate: string | null, secret: string | null = PROXY_SECRET): Record<string, string> {
  const headers: Record<string, string> = {};
  if (certificate !== null) headers[HEADER] = certificate;
  if (secret !== null) headers['X-Mtls-Proxy-Secret'] = secret;
  return headers;
}

async function requestToken(body: string, headers: Record<string, string>, contentType = 'application/x-www-form-urlencoded'): Promise<{ status: number; body: Record<string, unknown>; response: Response }> {
  const handler = token.POST;
  if (!handler) throw new TypeError('no POST');
  const response = await handler(apiRequest('POST', '/api/auth/token', { raw: body, contentType, headers }), { params: Promise.resolve({}) });
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
  expect(response.headers.getSetCookie()).toEqual([]);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, response };
}

async function meWith(accessToken: string, headers: Record<string, string>): Promise<Response> {
  const handler = me.GET;
  if (!handler) throw new TypeError('no GET');
  return handler(apiRequest('GET', '/api/auth/me', { bearer: accessToken, headers }), { params: Promise.resolve({}) });
}

/** An RFC 6749 §5.2 error: exactly `error` and `error_description`. */
function expectOAuthError(result: { status: number; body: Record<string, unknown> }, status: number, error: string): void {
  expect(result.status).toBe(status);
  expect(Object.keys(result.body).sort()).toEqual(['error', 'error_description']);
  expect(result.body.error).toBe(error);
}

describe('success', () => {
  it('issues a certificate-bound Bearer token for a URL-encoded PEM (nginx) or a base64 DER certificate', async () => {
    for (const certificate of [urlEncodedPem(tls.billing), base64Der(tls.billing)]) {
      const result = await requestToken('grant_type=client_credentials', proxied(certificate));
      expect(result.status).toBe(200);
      expect(Object.keys(result.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
      expect(result.body).toMatchObject({ token_type: 'Bearer', expires_in: 15 * 60 });
      const claims = JSON.parse(Buffer.from(String(result.body.access_token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(claims.cnf).toEqual({ 'x5t#S256': tls.billing.thumbprint });
    }
  });

  it('binds the token: /me answers for the client with the same certificate only, and not after the token expires', async () => {
    const issued = (await requestToken('grant_type=client_credentials&client_id=reports', proxied(urlEncodedPem(tls.reports)))).body;
    const accessToken = String(issued.access_token);
    const ok = await meWith(accessToken, proxied(urlEncodedPem(tls.reports)));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ user: null, session: null, client: { id: 'reports' }, cnf: { 'x5t#S256': tls.reports.thumbprint }, expiresAt: expect.any(String) });
    expect((await meWith(accessToken, proxied(urlEncodedPem(tls.billing)))).status).toBe(401);
    expect((await meWith(accessToken, proxied(null))).status).toBe(401);
    expect((await meWith(accessToken, proxied(urlEncodedPem(tls.reports), null))).status).toBe(401);
    advanceClock(15 * MINUTE + 10_000);
    expect((await meWith(accessToken, proxied(urlEncodedPem(tls.reports)))).status).toBe(401);
  });
});

describe('refusals (RFC 6749 §5.2)', () => {
  it('no certificate, the proxy secret missing or wrong, an unknown subject, garbage in the header: invalid_client', async () => {
    expectOAuthError(await requestToken('grant_type=client_credentials', proxied(null)), 400, 'invalid_client');
    expectOAuthError(await requestToken('grant_type=client_credentials', proxied(urlEncodedPem(tls.billing), null)), 400, 'invalid_client');
    expectOAuthError(await requestToken('grant_type=client_credentials', proxied(urlEncodedPem(tls.billing), `${PROXY_SECRET.slice(0, -1)}0`)), 400, 'invalid_client');
    // Never a 500 for what a header holds.
    for (const garbage of ['%%%', 'not a certificate', encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), 'A'.repeat(20_000)]) {
      expectOAuthError(await requestToken('grant_type=client_credentials', proxied(garbage)), 400, 'invalid_client');
    }
    expectOAuthError(await requestToken('grant_type=client_credentials&client_id=reports', proxied(urlEncodedPem(tls.billing))), 400, 'invalid_client');
  });

  it('a certificate past its validity is refused even though the proxy forwarded it', async () => {
    advanceClock(3 * DAY);
    try {
      expectOAuthError(await requestToken('grant_type=client_credentials', proxied(urlEncodedPem(tls.billing))), 400, 'invalid_client');
    } finally {
      advanceClock(-3 * DAY);
    }
  });

  it('request rules: grant_type required, unsupported grants, repeated parameters, scope, media type, method', async () => {
    const cert = proxied(urlEncodedPem(tls.billing));
    expectOAuthError(await requestToken('', cert), 400, 'invalid_request');
    expectOAuthError(await requestToken('grant_type=password&username=a&password=b', cert), 400, 'unsupported_grant_type');
    expectOAuthError(await requestToken('grant_type=__proto__', cert), 400, 'unsupported_grant_type');
    expectOAuthError(await requestToken('grant_type=client_credentials&grant_type=client_credentials', cert), 400, 'invalid_request');
    expectOAuthError(await requestToken('grant_type=client_credentials&scope=admin', cert), 400, 'invalid_scope');
    expectOAuthError(await requestToken('{"grant_type":"client_credentials"}', cert, 'application/json'), 400, 'invalid_request');
    const tooLarge = await requestToken(`grant_type=client_credentials&pad=${'x'.repeat(17_000)}`, cert);
    expect(tooLarge.status).toBe(413);
    const get = token.GET;
    expect(get && (await get(apiRequest('GET', '/api/auth/token'), { params: Promise.resolve({}) })).status).toBe(405);
  });
});
