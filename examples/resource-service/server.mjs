#!/usr/bin/env node
/**
 * A resource service: verifies the auth app's access tokens with its public keys from
 * <ISSUER>/.well-known/jwks.json, and shares no secret with it (README in this folder).
 *
 *   ISSUER=https://auth.example.com PORT=4000 node examples/resource-service/server.mjs
 *
 * GET /hello with `Authorization: Bearer <access token>` → 200 {"hello": <sub>, "sub", "sid"};
 * without a valid token → 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3), plus
 * `error="invalid_token"` when a token was sent but is not acceptable.
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** The checks every access token must pass; the issuer's APP_ORIGIN is both `iss` and `aud`. */
export function createVerifier({ issuer, audience = issuer, algorithms = ['EdDSA', 'ES256'], cacheMaxAge, cooldownDuration }) {
  // Fetched on first use and cached (jose's default: 10 minutes), refetched at most every 30 s
  // (cooldownDuration) when a token names a kid the cached set lacks: a newly rotated-in key is
  // picked up without a restart, and a removed key stops working once the cache is refreshed.
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', issuer), { cacheMaxAge, cooldownDuration });
  return async function verify(token) {
    const { payload } = await jwtVerify(token, jwks, {
      issuer,
      audience,
      typ: 'at+jwt',
      // Never HS256: this service has no secret, and must never take a public key for one.
      algorithms,
      requiredClaims: ['sub', 'iat', 'exp', 'jti'],
      clockTolerance: 5,
    });
    // A token bound to a key (DPoP: cnf.jkt) or a client certificate (mTLS: cnf.x5t#S256) is only
    // worth anything with that proof, which this example does not check: refuse it rather than take
    // a stolen bound token as a plain bearer token.
    if (payload.cnf !== undefined) throw new errors.JWTClaimValidationFailed('bound tokens need a proof this service does not check', payload, 'cnf', 'check_failed');
    return payload;
  };
}

/** Answers like an RFC 6750 resource server; `verify` is createVerifier's function. */
export function createResourceServer(verify) {
  return createServer((request, response) => {
    const send = (status, body, headers = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      response.end(JSON.stringify(body));
    };
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/hello') return send(404, { error: 'not_found' });
    if (request.method !== 'GET') return send(405, { error: 'method_not_allowed' }, { allow: 'GET' });
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(request.headers.authorization ?? '');
    if (!match) return send(401, { error: 'unauthenticated' }, { 'www-authenticate': 'Bearer' });
    verify(match[1]).then(
      (claims) => send(200, { hello: claims.sub, sub: claims.sub, sid: claims.sid ?? null }),
      (error) => {
        // A key set that cannot be fetched is our outage, not the caller's bad token.
        if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
          console.error(JSON.stringify({ level: 'error', event: 'token_verification_failed', kind: error?.name ?? typeof error }));
          return send(503, { error: 'temporarily_unavailable' });
        }
        send(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      },
    );
  });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const issuer = process.env.ISSUER;
  if (!issuer) {
    console.error('ISSUER must be set to the auth app\'s APP_ORIGIN, e.g. ISSUER=http://localhost:3000');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 4000);
  const milliseconds = (name) => (process.env[name] === undefined ? undefined : Number(process.env[name]));
  const verifier = createVerifier({
    issuer: new URL(issuer).origin,
    // Optional, for tests and impatient demos; jose's defaults otherwise (600000 and 30000).
    cacheMaxAge: milliseconds('JWKS_CACHE_MAX_AGE_MS'),
    cooldownDuration: milliseconds('JWKS_COOLDOWN_MS'),
  });
  const server = createResourceServer(verifier);
  server.listen(port, process.env.HOST ?? '127.0.0.1', () => {
    const address = server.address();
    // One line a test (or a person) can wait for.
    console.log(`resource-service listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
  });
}
