/**
 * Checking an authorization request (GET /api/auth/authorize, the /authorize page and its POST):
 * `response_type=code`, `client_id`, `redirect_uri`, `code_challenge`, `code_challenge_method=S256`,
 * `state`.
 *
 * Invariant (RFC 6749 §4.1.2.1): the client and the redirect URI are checked first, and while
 * either is in doubt nothing is ever sent to that URI: the user sees our own error page. Only a
 * request whose URI is registered for its client gets its other errors back at that URI, with
 * `state` and `iss` (RFC 9207), as the app expects.
 */
import 'server-only';
import type { NativeClient } from '@/lib/config';
import { findNativeClient, isRegisteredRedirectUri } from './native-clients';
import { CODE_CHALLENGE } from './pkce';

export interface AuthorizationRequest {
  client: NativeClient;
  redirectUri: string;
  codeChallenge: string;
  state: string;
}

/** Errors of RFC 6749 §4.1.2.1 that go back to the app. */
export type AuthorizationErrorCode = 'invalid_request' | 'unsupported_response_type' | 'access_denied';

export type AuthorizationCheck =
  | { kind: 'valid'; request: AuthorizationRequest }
  /** The client or the redirect URI is not to be trusted: show our error, never redirect. */
  | { kind: 'refused'; code: 'invalid_client' | 'invalid_redirect_uri' }
  /** Any other error: the app hears about it at its redirect URI. */
  | { kind: 'redirect'; location: string };

/** `state` as RFC 6749 Appendix A.5 allows it (visible ASCII and space), bounded. */
const STATE = /^[\x20-\x7E]{1,1024}$/;

/** A parameter that appears exactly once, else undefined (absent and repeated alike). */
function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

/**
 * `redirectUri` with `params` appended to its query. The URI is kept exactly as registered (no URL
 * parser normalises it): the app compares what it receives with what it registered.
 */
export function redirectWith(redirectUri: string, params: Record<string, string>): string {
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;
}

/** The error redirect for a request whose client and redirect URI are known good. */
export function errorRedirect(redirectUri: string, issuer: string, error: AuthorizationErrorCode, description: string, state: string | undefined): string {
  return redirectWith(redirectUri, { error, error_description: description, ...(state !== undefined ? { state } : {}), iss: issuer });
}

/** Checks an authorization request's parameters against NATIVE_CLIENTS (see the module comment for the order). */
export function checkAuthorizationRequest(params: URLSearchParams, clients: readonly NativeClient[], issuer: string): AuthorizationCheck {
  const client = findNativeClient(clients, single(params, 'client_id'));
  if (!client) return { kind: 'refused', code: 'invalid_client' };
  const redirectUri = single(params, 'redirect_uri');
  if (redirectUri === undefined || !isRegisteredRedirectUri(client, redirectUri)) return { kind: 'refused', code: 'invalid_redirect_uri' };

  const rawState = single(params, 'state');
  const state = rawState !== undefined && STATE.test(rawState) ? rawState : undefined;
  const fail = (error: AuthorizationErrorCode, description: string): AuthorizationCheck => ({ kind: 'redirect', location: errorRedirect(redirectUri, issuer, error, description, state) });

  for (const name of ['response_type', 'code_challenge', 'code_challenge_method', 'state']) {
    if (params.getAll(name).length > 1) return fail('invalid_request', `The parameter ${name} appears more than once.`);
  }
  const responseType = single(params, 'response_type');
  if (responseType === undefined) return fail('invalid_request', 'response_type is required.');
  if (responseType !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.');
  if (single(params, 'code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE is required, with code_challenge_method=S256.');
  const codeChallenge = single(params, 'code_challenge');
  if (codeChallenge === undefined || !CODE_CHALLENGE.test(codeChallenge)) return fail('invalid_request', 'code_challenge must be a S256 challenge: 43 base64url characters.');
  if (state === undefined) return fail('invalid_request', 'state is required (visible ASCII, at most 1024 characters).');
  return { kind: 'valid', request: { client, redirectUri, codeChallenge, state } };
}
