/**
 * Notice mails (contract "Email"): `Your password was changed` after a change, and `New sign-in to
 * your account` for a device (user-agent family and IP network) the account has not used before,
 * naming the device, the time and a link to /account; the same device again sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp } from '../support/app';
import { T0 } from '../support/env';
import { ORIGIN, CookieJar } from '../support/http';
import { type MailSink } from '../support/mail';
import { type MailRoutes, type MailTestApp, settled, startMailApp, stopMailApp } from '../support/mail-app';

const PASSWORD = 'heron-quartz-lantern-52';
const LINUX_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const LINUX_CHROME_NEWER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36';
const WINDOWS_FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

let app: TestApp;
let sink: MailSink;
let send: MailRoutes;

let started: MailTestApp | undefined;

beforeAll(async () => {
  // Behind a trusted proxy, so each request can say which address it comes from.
  started = await startMailApp({ TRUST_PROXY: 'true' });
  ({ app, sink, send } = started);
});

afterAll(() => stopMailApp(started));

async function signIn(email: string, userAgent: string, ip: string): Promise<CookieJar> {
  const response = await app.send('login', 'POST', { json: { email, password: PASSWORD }, headers: { 'user-agent': userAgent, 'x-forwarded-for': ip } });
  expect(response.status).toBe(200);
  await settled();
  return new CookieJar().apply(response);
}

const newSignIns = (email: string) => sink.to(email).filter((mail) => mail.subject.includes('New sign-in to your account'));

describe('notice mails', () => {
  it('a new device gets one "New sign-in" mail naming device, time and /account; a known device none', async () => {
    const email = 'devices@example.com';
    const registered = await app.send('register', 'POST', { json: { email, password: PASSWORD }, headers: { 'user-agent': LINUX_CHROME, 'x-forwarded-for': '203.0.113.10' } });
    expect(registered.status).toBe(201);
    await settled();

    // The registering device, a browser update and another address in the same /24: not new.
    await signIn(email, LINUX_CHROME, '203.0.113.10');
    await signIn(email, LINUX_CHROME_NEWER, '203.0.113.99');
    expect(newSignIns(email)).toEqual([]);

    await signIn(email, WINDOWS_FIREFOX, '198.51.100.7');
    const [mail, ...more] = newSignIns(email);
    expect(more).toEqual([]);
    expect(mail?.text).toContain('Firefox');
    expect(mail?.text).toContain('Windows');
    expect(mail?.text).toContain(new Date(T0).toUTCString());
    expect(mail?.text).toContain(`${ORIGIN}/account`);

    // That device again: known now. The first device from a new network: new.
    await signIn(email, WINDOWS_FIREFOX, '198.51.100.8');
    expect(newSignIns(email)).toHaveLength(1);
    await signIn(email, LINUX_CHROME, '192.0.2.1');
    expect(newSignIns(email)).toHaveLength(2);
  });

  it('a password change sends "Your password was changed" with no secret in it', async () => {
    const email = 'notice-change@example.com';
    const registered = await app.signUp(email, PASSWORD);
    expect(registered.response.status).toBe(201);
    const newPassword = 'maple-sextant-orbit-903';
    expect((await send('password', { json: { currentPassword: PASSWORD, newPassword }, origin: ORIGIN, cookies: registered.jar })).status).toBe(204);
    await settled();
    const mail = await sink.waitFor(email, 'Your password was changed');
    expect(mail.text).toContain(`${ORIGIN}/account`);
    for (const secret of [PASSWORD, newPassword, registered.jar.get('access_token') ?? '-', registered.jar.get('refresh_token') ?? '-']) expect(mail.raw).not.toContain(secret);
  });
});
