/**
 * Asymmetric access tokens through the real route handlers (ACCESS_TOKEN_SIGNING=EdDSA): tokens from
 * register and login verify with nothing but the public keys GET /.well-known/jwks.json serves, the
 * app accepts them itself, and refuses HS256 tokens made with ACCESS_TOKEN_SECRET.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { freezeClock, restoreClock } from '../support/clock';
import { ACCESS_SECRET, PASSWORD, T0 } from '../support/env';
import { apiRequest, call, expectError, jwtPayload, ORIGIN, type Handler } from '../support/http';
import { forgeToken } from '../support/jwt';
import { newSigningJwk, signingEnv } from '../support/signing-keys';

let app: TestApp;
let jwksRoute: Partial<Record<'GET' | 'POST', Handler>>;
let k1: Record<string, string>;
let k2: Record<string, string>;

beforeAll(async () => {
  freezeClock(T0);
  [k1, k2] = await Promise.all([newSigningJwk('EdDSA', 'primary'), newSigningJwk('EdDSA', 'previous')]);
  app = await startApp(signingEnv('EdDSA', [k1, k2]));
  jwksRoute = await import('@/app/api/well-known/jwks/route');
});

afterAll(() => {
  restoreClock();
});

async function jwks(): Promise<{ response: Response; set: JSONWebKeySet }> {
  // Called directly: support/http's call() insists on no-store, which public keys need not have.
  const response = await (jwksRoute.GET as Handler)(apiRequest('GET', '/api/well-known/jwks'), { params: Promise.resolve({}) });
  return { response, set: (await response.clone().json()) as JSONWebKeySet };
}

describe('GET /.well-known/jwks.json with EdDSA keys', () => {
  it('serves every public key (signing key first) with kid, alg and use, cacheable, and no private member', async () => {
    const { response, set } = await jwks();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(set).toEqual({
      keys: [
        { kty: 'OKP', crv: 'Ed25519', x: k1.x, kid: 'primary', alg: 'EdDSA', use: 'sig' },
        { kty: 'OKP', crv: 'Ed25519', x: k2.x, kid: 'previous', alg: 'EdDSA', use: 'sig' },
      ],
    });
    const text = await response.text();
    expect(text).not.toContain(k1.d);
    expect(text).not.toContain(k2.d);
    expect(text).not.toContain(ACCESS_SECRET);
  });

  it('answers other methods with 405', async () => {
    const response = await call(jwksRoute.POST as Handler, apiRequest('POST', '/api/well-known/jwks', { json: {} }));
    await expectError(response, 405, 'method_not_allowed');
  });

  it('register and login hand out tokens that verify with the served keys alone (jose, createLocalJWKSet)', async () => {
    const { set } = await jwks();
    const keySet = createLocalJWKSet(set);
    const signedUp = await app.signUp('jwks@example.com', PASSWORD);
    const { user } = (await signedUp.response.json()) as { user: { id: string } };
    const signedIn = await app.signIn('jwks@example.com', PASSWORD);
    for (const jar of [signedUp.jar, signedIn.jar]) {
      const token = jar.get('access_token') ?? '';
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: 'primary' });
      const { payload } = await jwtVerify(token, keySet, { issuer: ORIGIN, audience: ORIGIN, typ: 'at+jwt', algorithms: ['EdDSA'], currentDate: new Date(T0) });
      expect(payload.sub).toBe(user.id);
      // And the app itself takes it, as a cookie and as a Bearer token.
      expect((await app.send('me', 'GET', { cookies: jar })).status).toBe(200);
      expect((await app.send('me', 'GET', { bearer: token })).status).toBe(200);
    }
  });

  it('refuses an HS256 token made with ACCESS_TOKEN_SECRET (only the configured algorithm and headers count)', async () => {
    const { jar } = await app.signIn('jwks@example.com', PASSWORD);
    const claims = jwtPayload(jar.get('access_token') ?? '');
    const hs256 = forgeToken({ alg: 'HS256', typ: 'at+jwt' }, claims, ACCESS_SECRET);
    const response = await app.send('me', 'GET', { bearer: hs256 });
    await expectError(response, 401, 'unauthenticated');
    expect(response.headers.get('www-authenticate')).toContain('invalid_token');
  });
});
