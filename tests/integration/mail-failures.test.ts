/**
 * A mail server that is down, or up and refusing the mail, never changes an answer: the API
 * answers as usual (no 5xx, no delay), the failure is logged without secrets and recorded as a
 * `mail_failed` security event. Without SMTP_URL each mail is one JSON log line with its links.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type SecurityEventRow, type TestApp } from '../support/app';
import { ORIGIN } from '../support/http';
import { startMailSink, unusedSmtpUrl, type MailSink } from '../support/mail';
import { captureLogs, loadMailRoutes, settled } from '../support/mail-app';

const PASSWORD = 'heron-quartz-lantern-52';

let app: TestApp;
let sink: MailSink;
let send: Awaited<ReturnType<typeof loadMailRoutes>>;
let logs: string[];

beforeAll(async () => {
  sink = await startMailSink();
  // Starts on a port nobody listens on; `configure` below points it at the sink.
  app = await startApp({ SMTP_URL: await unusedSmtpUrl() });
  logs = captureLogs();
  send = await loadMailRoutes();
});

afterAll(async () => {
  await sink.close();
});

const failures = (userId: string) => app.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? AND type = ?', userId, 'mail_failed');

describe('mail server down', () => {
  it('register, forgot and sign-in answer as usual; each failed mail is logged (codes only) and recorded', async () => {
    const email = 'down@example.com';
    const started = performance.now();
    const registered = await app.signUp(email, PASSWORD);
    expect(registered.response.status).toBe(201);
    expect((await send('forgot', { json: { email }, origin: ORIGIN })).status).toBe(202);
    // Far below nodemailer's connection timeout: nobody waited for the mail server.
    expect(performance.now() - started).toBeLessThan(5_000);
    await settled();

    const recorded = await failures(await app.userIdOf(email));
    expect(recorded.map((event) => JSON.parse(event.detail ?? '{}') as { mail: string }).map((detail) => detail.mail).sort()).toEqual(['email_verification', 'password_reset']);
    const lines = logs.filter((line) => line.includes('"mail_failed"'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).toMatch(/"code":"(ECONNECTION|ESOCKET|ETIMEDOUT)"/);
      expect(line).not.toContain('token=');
      expect(line).not.toContain(email);
    }
    for (const line of logs) expect(line).not.toContain(PASSWORD);
  });
});

describe('mail server refusing the mail', () => {
  it('the answer is unchanged and the refusal is recorded with its code', async () => {
    vi.resetModules();
    const refusing = await startMailSink();
    refusing.refuse = true;
    app = await startApp({ SMTP_URL: refusing.url, DATABASE_URL: app.databaseUrl });
    logs = captureLogs();
    send = await loadMailRoutes();
    const email = 'refused@example.com';
    expect((await app.signUp(email, PASSWORD)).response.status).toBe(201);
    await settled();
    const recorded = await failures(await app.userIdOf(email));
    expect(recorded).toHaveLength(1);
    expect(JSON.parse(recorded[0]?.detail ?? '{}')).toEqual({ mail: 'email_verification', code: 'EENVELOPE' });
    expect(refusing.received).toEqual([]);
    await refusing.close();
  });
});

describe('no SMTP_URL (development)', () => {
  it('writes each mail as one JSON log line with recipient, subject and links, and records no failure', async () => {
    vi.resetModules();
    app = await startApp({ SMTP_URL: undefined, DATABASE_URL: app.databaseUrl });
    logs = captureLogs();
    send = await loadMailRoutes();
    const email = 'dev-mail@example.com';
    expect((await app.signUp(email, PASSWORD)).response.status).toBe(201);
    await settled();
    const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'mail');
    expect(lines).toEqual([{ level: 'info', event: 'mail', at: expect.any(String), to: email, subject: 'Verify your email', links: [expect.stringMatching(new RegExp(`^${ORIGIN}/verify-email\\?token=[A-Za-z0-9_-]{43}$`))] }]);
    expect(await failures(await app.userIdOf(email))).toEqual([]);
    expect(sink.received).toEqual([]);
  });
});
