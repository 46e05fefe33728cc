/**
 * Provider sign-in with REQUIRE_EMAIL_VERIFICATION=true (a real oidc-provider on 127.0.0.1): an
 * account created from an unverified provider email is not signed in until its address is
 * verified (a verification link is mailed, `?oauth_error=email_not_verified`); a verified provider
 * email signs in at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { apiRequest, CookieJar, ORIGIN } from '../support/http';
import { linkIn, startMailSink, type MailSink } from '../support/mail';
import { settled } from '../support/mail-app';
import { authorize, startTestIssuer, type TestIssuer } from '../support/oidc-issuer';

const SECRET = 'test-client-secret-0123456789abcdef';
type Handler = (request: Request, context: { params: Promise<{ provider: string }> }) => Promise<Response>;

let issuer: TestIssuer;
let sink: MailSink;
let app: TestApp;
let startRoute: Record<'POST', Handler>;
let callbackRoute: Record<'GET', Handler>;

beforeAll(async () => {
  issuer = await startTestIssuer({ clients: [{ client_id: 'app', client_secret: SECRET, redirect_uris: [`${ORIGIN}/api/auth/oauth/test/callback`] }], accounts: [] });
  sink = await startMailSink();
  app = await startApp({ SMTP_URL: sink.url, REQUIRE_EMAIL_VERIFICATION: 'true', OIDC_TEST_ISSUER: issuer.issuer, OIDC_TEST_CLIENT_ID: 'app', OIDC_TEST_CLIENT_SECRET: SECRET });
  startRoute = await import('@/app/api/auth/oauth/[provider]/route');
  callbackRoute = await import('@/app/api/auth/oauth/[provider]/callback/route');
});

afterAll(async () => {
  await settled();
  await issuer?.close();
  await sink?.close();
});

const params = { params: Promise.resolve({ provider: 'test' }) };

async function signInWith(login: string): Promise<{ location: string; jar: CookieJar }> {
  const started = await startRoute.POST(apiRequest('POST', '/api/auth/oauth/test', { origin: ORIGIN }), params);
  expect(started.status).toBe(200);
  const jar = new CookieJar().apply(started);
  const back = await authorize(((await started.json()) as { url: string }).url, login);
  const response = await callbackRoute.GET(apiRequest('GET', `${back.pathname}${back.search}`, { cookies: jar }), params);
  expect(response.status).toBe(303);
  return { location: response.headers.get('location') ?? '', jar: jar.apply(response) };
}

it('an unverified provider email creates the account but does not sign in; a verification mail goes out; once verified it signs in', async () => {
  issuer.accounts.set('unv-sub', { sub: 'unv-sub', email: 'unv@example.com', email_verified: false });
  const first = await signInWith('unv-sub');
  expect(first.location).toBe(`${ORIGIN}/login?oauth_error=email_not_verified`);
  expect(first.jar.get('access_token')).toBeUndefined();
  expect(await app.query('SELECT id FROM sessions')).toEqual([]);
  await settled();
  const { token } = linkIn(await sink.waitFor('unv@example.com', 'Verify your email'), ORIGIN, '/verify-email');

  const verify = await import('@/app/api/auth/email/verify/route');
  expect((await verify.POST(apiRequest('POST', '/api/auth/email/verify', { json: { token }, origin: ORIGIN }), { params: Promise.resolve({}) })).status).toBe(200);
  const again = await signInWith('unv-sub');
  expect(again.location).toBe(`${ORIGIN}/dashboard`);
  expect(again.jar.get('access_token')).toBeDefined();
});

it('a verified provider email signs in at once', async () => {
  issuer.accounts.set('ver-sub', { sub: 'ver-sub', email: 'ver@example.com', email_verified: true });
  const { location, jar } = await signInWith('ver-sub');
  expect(location).toBe(`${ORIGIN}/dashboard`);
  expect(jar.get('access_token')).toBeDefined();
});
