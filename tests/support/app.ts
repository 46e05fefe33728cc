/**
 * Starts the real app for an integration test file: writes the environment, then imports the
 * route handlers (the config and the Store are module-level singletons, and Vitest gives each test
 * file its own process, so each file gets its own configuration and a fresh database: a SQLite
 * file, or with TEST_DATABASE=postgres a new PostgreSQL database; see database.ts).
 */
import { vi } from 'vitest';
import { freshDatabaseUrl, inspectDatabase, testDialect, type Dialect } from './database';
import { applyEnv, baseEnv } from './env';
import { apiRequest, call, CookieJar, type Handler, type RequestOptions } from './http';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteName = 'register' | 'login' | 'refresh' | 'logout' | 'me';

export const PATHS: Record<RouteName, string> = {
  register: '/api/auth/register',
  login: '/api/auth/login',
  refresh: '/api/auth/refresh',
  logout: '/api/auth/logout',
  me: '/api/auth/me',
};

export type RouteModule = Partial<Record<Method, Handler>>;

export interface SecurityEventRow {
  type: string;
  user_id: string | null;
  session_id: string | null;
  at: number;
  detail: string | null;
}

export interface SessionRow {
  id: string;
  user_id: string;
  generation: number;
  expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface TestApp {
  /** This app's DATABASE_URL (`file:…` or `postgres://…`). */
  databaseUrl: string;
  dialect: Dialect;
  routes: Record<RouteName, RouteModule>;
  /** Calls a route with a method (checking `Cache-Control: no-store`). */
  send(name: RouteName, method: Method, options?: RequestOptions): Promise<Response>;
  /** Registers a user and returns the browser's cookies after it. */
  signUp(email: string, password: string, name?: string): Promise<{ response: Response; jar: CookieJar }>;
  /** Signs in and returns the browser's cookies after it. */
  signIn(email: string, password: string): Promise<{ response: Response; jar: CookieJar }>;
  /** Reads (or, to set up a scene, writes) the database directly, as an auditor would: portable SQL, `?` placeholders. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** The id of the user with this email ('' when there is none). */
  userIdOf(email: string): Promise<string>;
  /** A user's security events, oldest first; only those of one type when it is given. */
  eventsOf(userId: string, type?: string): Promise<SecurityEventRow[]>;
}

function handler(module: RouteModule, method: Method, name: RouteName): Handler {
  const found = module[method];
  if (!found) throw new TypeError(`${name} has no ${method} export`);
  return found;
}

/** Imports the real route handlers (fresh modules after `vi.resetModules()`). */
export async function loadRoutes(): Promise<Record<RouteName, RouteModule>> {
  return {
    register: await import('@/app/api/auth/register/route'),
    login: await import('@/app/api/auth/login/route'),
    refresh: await import('@/app/api/auth/refresh/route'),
    logout: await import('@/app/api/auth/logout/route'),
    me: await import('@/app/api/auth/me/route'),
  };
}

/** Sets the environment (on top of the test defaults) with a fresh database, then loads the routes. */
export async function startApp(overrides: Record<string, string | undefined> = {}): Promise<TestApp> {
  // Security events are also written as log lines; keep the test output readable.
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  const databaseUrl = overrides.DATABASE_URL ?? (await freshDatabaseUrl());
  applyEnv(baseEnv({ ...overrides, DATABASE_URL: databaseUrl }));
  const routes = await loadRoutes();
  const inspector = inspectDatabase(databaseUrl);
  const send = (name: RouteName, method: Method, options: RequestOptions = {}) =>
    call(handler(routes[name], method, name), apiRequest(method, PATHS[name], options));

  return {
    databaseUrl,
    dialect: testDialect(),
    routes,
    send,
    async signUp(email, password, name) {
      const response = await send('register', 'POST', { json: name === undefined ? { email, password } : { email, password, name } });
      return { response, jar: new CookieJar().apply(response) };
    },
    async signIn(email, password) {
      const response = await send('login', 'POST', { json: { email, password } });
      return { response, jar: new CookieJar().apply(response) };
    },
    query: (sql, ...params) => inspector.query(sql, ...params),
    async userIdOf(email) {
      return (await inspector.query<{ id: string }>('SELECT id FROM users WHERE email = ?', email))[0]?.id ?? '';
    },
    eventsOf(userId, type) {
      return type === undefined
        ? inspector.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? ORDER BY id', userId)
        : inspector.query<SecurityEventRow>('SELECT * FROM security_events WHERE user_id = ? AND type = ? ORDER BY id', userId, type);
    },
  };
}
