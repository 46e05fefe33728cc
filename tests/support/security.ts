/**
 * Helpers for the abuse-resistance integration tests (issue 4): reading Retry-After, the
 * `security_events` and `rate_limits` tables, capturing log lines, and loading a second app
 * instance on the same database (a "restart", or another server sharing the database).
 */
import { expect, vi } from 'vitest';
import type { Method, RouteName, TestApp } from './app';
import { PATHS, loadRoutes } from './app';
import { apiRequest, call, type RequestOptions } from './http';

/** Passwords that pass every rule (length, not common, not the email). */
export const GOOD_PASSWORD = 'amber-walrus-lantern-4821';
export const OTHER_PASSWORD = 'quiet-harbor-mosaic-7364';

/** A browser-like user agent, to find in events and logs. */
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) SecurityTest/1.0';

/** Documentation addresses (RFC 5737), one per simulated client. */
export const IP_A = '203.0.113.10';
export const IP_B = '203.0.113.20';
export const IP_C = '198.51.100.30';

/** Reads `Retry-After` and checks it is a whole number of seconds above zero. */
export function retryAfterSeconds(response: Response): number {
  const header = response.headers.get('retry-after');
  expect(header, 'Retry-After').toMatch(/^[1-9]\d*$/);
  return Number(header);
}

/** Checks that a response sets no cookie at all (no token issued, nothing cleared either). */
export function expectNoCookies(response: Response): void {
  expect(response.headers.getSetCookie(), 'Set-Cookie').toEqual([]);
}

export interface EventRow {
  id: number;
  type: string;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  at: number;
  detail: string | null;
}

/** Security events, oldest first, optionally of one type. */
export function securityEvents(app: TestApp, type?: string): Promise<EventRow[]> {
  return type === undefined
    ? app.query<EventRow>('SELECT * FROM security_events ORDER BY id')
    : app.query<EventRow>('SELECT * FROM security_events WHERE type = ? ORDER BY id', type);
}

export interface RateLimitRow {
  key: string;
  count: number;
  window_start: number;
  last_at: number;
  limited_at: number | null;
}

/** The stored rate-limit counters. */
export function rateLimitRows(app: TestApp): Promise<RateLimitRow[]> {
  return app.query<RateLimitRow>('SELECT * FROM rate_limits ORDER BY key');
}

export interface AppInstance {
  send(name: RouteName, method: Method, options?: RequestOptions): Promise<Response>;
}

/**
 * Loads the route handlers again as a new app instance: fresh modules, so the configuration is
 * parsed again from `process.env` and the database is opened through a new connection. The old
 * instance keeps working, so this is both a restart and a second server sharing the database.
 */
export async function loadAppInstance(): Promise<AppInstance> {
  vi.resetModules();
  const routes = await loadRoutes();
  return {
    send(name, method, options = {}) {
      const handler = routes[name][method];
      if (!handler) throw new TypeError(`${name} has no ${method} export`);
      return call(handler, apiRequest(method, PATHS[name], options));
    },
  };
}

export type ConsoleMethod = 'info' | 'warn' | 'error' | 'log' | 'debug';

export interface LogCapture {
  /** Every line written so far, as one string per console call. */
  lines(): string[];
  /** Forgets the lines captured so far. */
  clear(): void;
}

/** Captures everything written through console.info/warn/error/log/debug (and keeps it off the output). */
export function captureConsole(methods: readonly ConsoleMethod[] = ['info', 'warn', 'error', 'log', 'debug']): LogCapture {
  let captured: string[] = [];
  for (const method of methods) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      captured.push(args.map((arg) => (typeof arg === 'string' ? arg : stringify(arg))).join(' '));
    });
  }
  return {
    lines: () => [...captured],
    clear: () => {
      captured = [];
    },
  };
}

function stringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export interface SecurityLogLine {
  event: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The captured lines that are structured security events (`{"event":"security.…"}`), parsed. */
export function securityLogLines(lines: readonly string[]): SecurityLogLine[] {
  const events: SecurityLogLine[] = [];
  for (const line of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof parsed === 'object' && parsed !== null && 'event' in parsed && typeof parsed.event === 'string' && parsed.event.startsWith('security.')) {
      events.push(parsed as SecurityLogLine);
    }
  }
  return events;
}
