/**
 * The mail routes of the real app (password reset, email verification) next to startApp's, a
 * capture of every log line the app writes, and the waits the mail tests share.
 */
import { vi } from 'vitest';
import { backgroundSettled } from '@/lib/background';
import { startApp, type TestApp } from './app';
import { freezeClock, restoreClock } from './clock';
import { T0 } from './env';
import { apiRequest, call, type Handler, type RequestOptions } from './http';
import { startMailSink, type MailSink } from './mail';

export type MailRoute = 'forgot' | 'reset' | 'verify' | 'verification' | 'password' | 'sessions';

const PATHS: Record<MailRoute, string> = {
  forgot: '/api/auth/password/forgot',
  reset: '/api/auth/password/reset',
  verify: '/api/auth/email/verify',
  verification: '/api/auth/email/verification',
  password: '/api/auth/password',
  sessions: '/api/auth/sessions',
};

type RouteModule = Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;

/** Loads the mail routes (after startApp has set the environment). */
export async function loadMailRoutes(): Promise<(name: MailRoute, options?: RequestOptions, method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE') => Promise<Response>> {
  const modules: Record<MailRoute, RouteModule> = {
    forgot: await import('@/app/api/auth/password/forgot/route'),
    reset: await import('@/app/api/auth/password/reset/route'),
    verify: await import('@/app/api/auth/email/verify/route'),
    verification: await import('@/app/api/auth/email/verification/route'),
    password: await import('@/app/api/auth/password/route'),
    sessions: await import('@/app/api/auth/sessions/route'),
  };
  return (name, options = {}, method = 'POST') => {
    const handler = modules[name][method];
    if (!handler) throw new TypeError(`${name} has no ${method}`);
    return call(handler, apiRequest(method, PATHS[name], options));
  };
}

export type MailRoutes = Awaited<ReturnType<typeof loadMailRoutes>>;

/** What the mail tests start: the app (mail going to a real SMTP sink), the sink and the mail routes. */
export interface MailTestApp {
  app: TestApp;
  sink: MailSink;
  send: MailRoutes;
}

/**
 * The mail tests' common start, for a `beforeAll`: the clock frozen at T0, a real SMTP sink, the app
 * with SMTP_URL pointing at it (plus `env`), and the mail routes. Undo it with `stopMailApp`.
 */
export async function startMailApp(env: Record<string, string> = {}): Promise<MailTestApp> {
  freezeClock(T0);
  const sink = await startMailSink();
  const app = await startApp({ SMTP_URL: sink.url, ...env });
  return { app, sink, send: await loadMailRoutes() };
}

/** Undoes `startMailApp`, for an `afterAll`. */
export async function stopMailApp(started: MailTestApp | undefined): Promise<void> {
  restoreClock();
  await started?.sink.close();
}

/** Every line the app logs from now on (console.info/warn/error/log), as text. */
export function captureLogs(): string[] {
  const lines: string[] = [];
  for (const level of ['info', 'warn', 'error', 'log', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    });
  }
  return lines;
}

/** Waits until the work the app started after its responses (lookups, mail) has ended. */
export const settled = backgroundSettled;
