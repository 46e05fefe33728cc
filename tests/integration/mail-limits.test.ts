/**
 * The mail routes count against the per-IP limit like every auth attempt (429 with Retry-After),
 * and forgot-password takes the same time for known and unknown addresses: its request path does
 * the same work for both (the account is looked up after the answer).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { ORIGIN } from '../support/http';
import { startMailSink, type MailSink } from '../support/mail';
import { loadMailRoutes, settled } from '../support/mail-app';

const PASSWORD = 'heron-quartz-lantern-52';

describe('per-IP limit on the mail routes', () => {
  let app: TestApp;
  let sink: MailSink;
  let send: Awaited<ReturnType<typeof loadMailRoutes>>;

  beforeAll(async () => {
    sink = await startMailSink();
    app = await startApp({ SMTP_URL: sink.url, RATE_LIMIT_PER_IP: '4/15m' });
    send = await loadMailRoutes();
  });

  afterAll(async () => {
    await settled();
    await sink.close();
  });

  it('forgot and reset share the client address budget: 429 with Retry-After once it is spent', async () => {
    expect((await app.signUp('ip-limit@example.com', PASSWORD)).response.status).toBe(201);
    for (let i = 0; i < 2; i += 1) expect((await send('forgot', { json: { email: `someone-${i}@example.com` }, origin: ORIGIN })).status).toBe(202);
    expect((await send('reset', { json: { token: 'A'.repeat(43), newPassword: 'maple-sextant-orbit-903' }, origin: ORIGIN })).status).toBe(400);
    const refused = await send('forgot', { json: { email: 'someone-else@example.com' }, origin: ORIGIN });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send('reset', { json: { token: 'A'.repeat(43), newPassword: 'maple-sextant-orbit-903' }, origin: ORIGIN })).status).toBe(429);
  });
});

describe('forgot-password timing', () => {
  let app: TestApp;
  let sink: MailSink;
  let send: Awaited<ReturnType<typeof loadMailRoutes>>;

  beforeAll(async () => {
    // A fresh app (configuration and database) of its own, with the test defaults' limits.
    vi.resetModules();
    sink = await startMailSink();
    app = await startApp({ SMTP_URL: sink.url });
    send = await loadMailRoutes();
  });

  afterAll(async () => {
    await settled();
    await sink.close();
  });

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

  it('known and unknown addresses take the same time, within noise', async () => {
    const rounds = 15;
    for (let i = 0; i < rounds; i += 1) expect((await app.signUp(`timing-${i}@example.com`, PASSWORD)).response.status).toBe(201);
    await settled();
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so load on the machine hits both alike.
    for (let i = 0; i < rounds; i += 1) {
      for (const [email, times] of [[`timing-${i}@example.com`, known], [`no-such-${i}@example.com`, unknown]] as const) {
        const started = performance.now();
        const response = await send('forgot', { json: { email }, origin: ORIGIN });
        times.push(performance.now() - started);
        expect(response.status).toBe(202);
      }
      // Let the known account's mail go out between rounds, as it would between real requests.
      await settled();
    }
    const [k, u] = [median(known), median(unknown)];
    expect(Math.abs(k - u), `median known ${k.toFixed(2)} ms, unknown ${u.toFixed(2)} ms`).toBeLessThan(Math.max(10, 0.5 * Math.max(k, u)));
    expect(sink.received.filter((mail) => mail.subject.includes('Reset your password'))).toHaveLength(rounds);
  });
});
