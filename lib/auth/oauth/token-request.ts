/**
 * Reading a token request (RFC 6749 §3.2): `application/x-www-form-urlencoded`, at most 16 KB, no
 * parameter more than once, and `grant_type` present.
 */
import 'server-only';
import { AuthError } from '../errors';
import { readCapped } from '@/lib/http/request';
import { OAuthError } from './errors';

export interface TokenRequest {
  grantType: string;
  /** Every parameter, each present once. */
  params: Map<string, string>;
}

/** An OAuth form body (token and revocation requests): each parameter once (RFC 6749 §3.2). */
export async function readOAuthForm(request: Request): Promise<Map<string, string>> {
  const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') throw new AuthError('unsupported_media_type');
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(await readCapped(request))) {
    if (params.has(name)) throw new OAuthError('invalid_request', `The parameter ${name.length <= 32 ? name : 'given'} appears more than once.`);
    params.set(name, value);
  }
  return params;
}

/** A parameter the request must carry, non-empty; `invalid_request` naming it otherwise. */
export function requiredParam(token: Pick<TokenRequest, 'params'>, name: string): string {
  const value = token.params.get(name);
  if (value === undefined || value === '') throw new OAuthError('invalid_request', `${name} is required.`);
  return value;
}

export async function readTokenRequest(request: Request): Promise<TokenRequest> {
  const params = await readOAuthForm(request);
  const grantType = params.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required.');
  return { grantType, params };
}
