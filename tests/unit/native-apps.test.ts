/**
 * The pure parts of the native-app flow: PKCE S256 (RFC 7636 Appendix B's example), redirect URI
 * matching (exact, but any port on a loopback URI: RFC 8252 §7.3) and the error redirect, which
 * keeps the registered URI exactly as written.
 */
import { describe, expect, it } from 'vitest';
import { errorRedirect, redirectWith } from '@/lib/auth/oauth/authorization-request';
import { isRegisteredRedirectUri } from '@/lib/auth/oauth/native-clients';
import { verifyCodeChallenge } from '@/lib/auth/oauth/pkce';

describe('PKCE S256', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('accepts the RFC 7636 Appendix B pair', () => {
    expect(verifyCodeChallenge(verifier, challenge)).toBe(true);
  });

  it.each([
    ['another verifier', `${verifier.slice(0, -1)}Y`, challenge],
    ['the challenge as verifier (plain)', challenge, challenge],
    ['a verifier too short', 'a'.repeat(42), challenge],
    ['a verifier too long', 'a'.repeat(129), challenge],
    ['a verifier with a character outside RFC 7636', `${verifier}+`, challenge],
    ['a padded challenge', verifier, `${challenge}=`],
    ['an empty challenge', verifier, ''],
  ])('refuses %s', (_label, given, against) => {
    expect(verifyCodeChallenge(given, against)).toBe(false);
  });
});

describe('redirect URI matching', () => {
  const client = { clientId: 'com.example.app', redirectUris: ['com.example.app:/oauth', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb?x=1'] };

  it.each(['com.example.app:/oauth', 'http://127.0.0.1/cb', 'http://127.0.0.1:1/cb', 'http://127.0.0.1:65535/cb', 'http://[::1]/cb?x=1', 'http://[::1]:4000/cb?x=1'])('accepts %s', (uri) => {
    expect(isRegisteredRedirectUri(client, uri)).toBe(true);
  });

  it.each([
    'com.example.app:/oauth/',
    'com.example.app:/OAUTH',
    'COM.EXAMPLE.APP:/oauth',
    'http://127.0.0.1:0/cb',
    'http://127.0.0.1:65536/cb',
    'http://127.0.0.1:080/cb',
    'http://127.0.0.1/cb/',
    'http://127.0.0.1/CB',
    'http://127.0.0.1/cb?x=1',
    'http://127.0.0.1/cb#x',
    'http://127.0.0.1./cb',
    'http://localhost/cb',
    'http://[::1]/cb',
    'http://[0:0:0:0:0:0:0:1]/cb?x=1',
    'http://127.0.0.1/%63b',
    'http://127.0.0.1/./cb',
    'https://127.0.0.1/cb',
    'http://127.0.0.1:80@evil.example/cb',
    '',
  ])('refuses %s', (uri) => {
    expect(isRegisteredRedirectUri(client, uri)).toBe(false);
  });
});

describe('redirects to the app', () => {
  it('appends the parameters to the URI as registered, after an existing query', () => {
    expect(redirectWith('com.example.app:/oauth', { code: 'c', state: 's t' })).toBe('com.example.app:/oauth?code=c&state=s+t');
    expect(redirectWith('http://[::1]:8080/cb?x=1', { code: 'c' })).toBe('http://[::1]:8080/cb?x=1&code=c');
  });

  it('an error carries state only when there is one, and always iss', () => {
    expect(errorRedirect('http://127.0.0.1:5/cb', 'https://auth.example', 'access_denied', 'no', undefined)).toBe('http://127.0.0.1:5/cb?error=access_denied&error_description=no&iss=https%3A%2F%2Fauth.example');
    expect(errorRedirect('http://127.0.0.1:5/cb', 'https://auth.example', 'invalid_request', 'x', 'st')).toContain('&state=st&');
  });
});
