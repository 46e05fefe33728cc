/**
 * GET /.well-known/jwks.json (rewritten here by next.config.js: the App Router does not route
 * folders whose names start with a dot). Public keys only; empty with HS256.
 */
import { getConfig } from '@/lib/config';
import { JWKS_MAX_AGE_S, jwksDocument } from '@/lib/auth/jwks';
import { otherMethods } from '@/lib/http/response';

export async function GET(): Promise<Response> {
  return new Response(await jwksDocument(getConfig()), {
    status: 200,
    headers: {
      'Content-Type': 'application/jwk-set+json',
      'Cache-Control': `public, max-age=${JWKS_MAX_AGE_S}`,
      // Any origin may read public keys (a browser-based verifier included); nothing here is secret.
      'Access-Control-Allow-Origin': '*',
    },
  });
}

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');
