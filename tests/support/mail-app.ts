/**
 * The mail routes of the real app (password reset, email verification) next to startApp's, a
 * capture of every log line the app writes, and the waits the mail tests share.
 */
import { vi } from 'vitest';
import { backgroundSettled } from '@/lib/background';
import { apiRequest, call, type Handler, type RequestOptions } from './http';

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
