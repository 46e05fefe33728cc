/**
 * Where the middleware's silent refresh goes (middleware.ts → effectiveAppOrigin): in development
 * the server's own address as Next.js gives it (`nextUrl.origin`, `localhost:<port>`), so `next dev`
 * on port 3001 with the default APP_ORIGIN (port 3000) reaches itself; in production APP_ORIGIN
 * only, and never the client's Host header. `fetch` is replaced to record the call (the refresh
 * route itself is not under test here).
 */
import { NextRequest } from 'next/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyEnv, baseEnv } from '../support/env';

// Shaped like a refresh token (lib/auth/refresh-format.ts), so the middleware calls the route.
const REFRESH_TOKEN = `${'a'.repeat(22)}.0.${'b'.repeat(43)}`;

/** Runs the middleware for a signed-out page view carrying a refresh cookie; returns the URL it fetched. */
async function refreshTarget(env: Record<string, string | undefined>, url: string, host: string): Promise<string | undefined> {
  vi.resetModules();
  applyEnv(baseEnv({ APP_ORIGIN: 'http://localhost:3000', COOKIE_SECURE: 'false', ...env }));
  const calls: string[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    calls.push(input instanceof Request ? input.url : String(input));
    return new Response(null, { status: 401 });
  });
  const { middleware } = await import('@/middleware');
  await middleware(new NextRequest(url, { headers: { host, cookie: `refresh_token=${REFRESH_TOKEN}` } }));
  expect(calls).toHaveLength(1);
  return calls[0];
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('silent refresh target', () => {
  it('development, next dev on port 3001 opened at 127.0.0.1: the server itself on 3001', async () => {
    expect(await refreshTarget({ NODE_ENV: 'development' }, 'http://localhost:3001/dashboard', '127.0.0.1:3001')).toBe('http://localhost:3001/api/auth/refresh');
  });

  it('development, next dev -H 192.168.1.5: that address', async () => {
    expect(await refreshTarget({ NODE_ENV: 'development' }, 'http://192.168.1.5:3000/dashboard', '192.168.1.5:3000')).toBe('http://192.168.1.5:3000/api/auth/refresh');
  });

  it('development: never the Host header a client sent', async () => {
    expect(await refreshTarget({ NODE_ENV: 'development' }, 'http://localhost:3001/dashboard', '10.9.9.9:22')).toBe('http://localhost:3001/api/auth/refresh');
  });

  it('production: APP_ORIGIN, whatever address the server listens on', async () => {
    expect(await refreshTarget({ NODE_ENV: 'production' }, 'http://localhost:3001/dashboard', '127.0.0.1:3001')).toBe('http://localhost:3000/api/auth/refresh');
  });
});
