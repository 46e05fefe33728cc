import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type FetchMock = ReturnType<typeof vi.fn<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>>>;

/** What our API and the middleware send with a "not signed in" 401. */
const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

/** A fake server: /api/auth/me answers 401 until a refresh succeeds, then 200. */
function fakeServer(options: { refreshOk: boolean; refreshDelayMs?: number }) {
  let signedIn = false;
  const calls: string[] = [];
  const fetchMock: FetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push(url);
    if (url === '/api/auth/refresh') {
      await new Promise((resolve) => setTimeout(resolve, options.refreshDelayMs ?? 5));
      if (!options.refreshOk) return new Response('{"error":{"code":"invalid_refresh_token"}}', { status: 401 });
      signedIn = true;
      return new Response('{}', { status: 200 });
    }
    return signedIn ? new Response('{"ok":true}', { status: 200 }) : new Response('{}', { status: 401, headers: CHALLENGE });
  });
  return {
    fetchMock,
    calls,
    refreshCalls: () => calls.filter((url) => url === '/api/auth/refresh').length,
    expire: () => {
      signedIn = false;
    },
  };
}

async function load() {
  vi.resetModules();
  return import('@/lib/client/fetch');
}

describe('authFetch', () => {
  beforeEach(() => {
    vi.unstubAllGlobals();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('passes through anything but a 401 without refreshing', async () => {
    const server = fakeServer({ refreshOk: true });
    server.fetchMock.mockResolvedValueOnce(new Response('{}', { status: 403 }));
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const response = await authFetch('/api/auth/me');
    expect(response.status).toBe(403);
    expect(server.refreshCalls()).toBe(0);
  });

  it('refreshes once and retries after a 401', async () => {
    const server = fakeServer({ refreshOk: true });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const response = await authFetch('/api/auth/me', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(server.calls).toEqual(['/api/auth/me', '/api/auth/refresh', '/api/auth/me']);
    // The retry is the same request: same init.
    expect(server.fetchMock.mock.calls[2]?.[1]).toEqual({ headers: { accept: 'application/json' } });
  });

  it('shares one refresh between ten requests failing together', async () => {
    const server = fakeServer({ refreshOk: true, refreshDelayMs: 20 });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const responses = await Promise.all(Array.from({ length: 10 }, () => authFetch('/api/auth/me')));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(server.refreshCalls()).toBe(1);
  });

  it('retries without another refresh when one finished after the request was sent', async () => {
    const server = fakeServer({ refreshOk: true });
    let releaseSlow: () => void = () => undefined;
    const slowGate = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    // The first /me is slow: it answers 401 only after another request's refresh completed.
    server.fetchMock.mockImplementationOnce(async () => {
      await slowGate;
      return new Response('{}', { status: 401, headers: CHALLENGE });
    });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const slow = authFetch('/api/auth/me');
    const fast = await authFetch('/api/auth/me');
    expect(fast.status).toBe(200);
    releaseSlow();
    expect((await slow).status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
  });

  it('starts a new refresh for a later wave of failures', async () => {
    const server = fakeServer({ refreshOk: true });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    expect((await authFetch('/api/auth/me')).status).toBe(200);
    server.expire();
    expect((await authFetch('/api/auth/me')).status).toBe(200);
    expect(server.refreshCalls()).toBe(2);
  });

  it('returns the original 401, without retrying, when the refresh fails', async () => {
    const server = fakeServer({ refreshOk: false });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const responses = await Promise.all(Array.from({ length: 3 }, () => authFetch('/api/auth/me')));
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(server.refreshCalls()).toBe(1);
    expect(server.calls.filter((url) => url === '/api/auth/me')).toHaveLength(3);
  });

  it('treats a network failure of the refresh as a failed refresh', async () => {
    const server = fakeServer({ refreshOk: true });
    const base = server.fetchMock.getMockImplementation();
    if (!base) throw new TypeError('fake server without implementation');
    server.fetchMock.mockImplementation(async (input, init) => {
      if (input === '/api/auth/refresh') throw new TypeError('Failed to fetch');
      return base(input, init);
    });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch, refreshSession } = await load();
    expect((await authFetch('/api/auth/me')).status).toBe(401);
    await expect(refreshSession()).resolves.toBe(false);
  });

  it('does not refresh for a 401 that is an answer, not a lost session (wrong current password)', async () => {
    const server = fakeServer({ refreshOk: true });
    const base = server.fetchMock.getMockImplementation();
    server.fetchMock.mockImplementation(async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url === '/api/auth/password') return new Response('{"error":{"code":"invalid_credentials","message":"x"}}', { status: 401 });
      return base ? base(input, init) : new Response(null, { status: 500 });
    });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const response = await authFetch('/api/auth/password', { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(server.refreshCalls()).toBe(0);
    expect(server.fetchMock).toHaveBeenCalledTimes(1);
  });

  it('never refreshes because the refresh route itself said 401', async () => {
    const server = fakeServer({ refreshOk: false });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const response = await authFetch('/api/auth/refresh', { method: 'POST' });
    expect(response.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
  });

  it('replays a Request body on the retry', async () => {
    const server = fakeServer({ refreshOk: true });
    const bodies: string[] = [];
    const base = server.fetchMock.getMockImplementation();
    if (!base) throw new TypeError('fake server without implementation');
    server.fetchMock.mockImplementation(async (input, init) => {
      if (input instanceof Request) {
        bodies.push(await input.text());
        return base(new URL(input.url).pathname, init);
      }
      return base(input, init);
    });
    vi.stubGlobal('fetch', server.fetchMock);
    const { authFetch } = await load();
    const request = new Request('http://localhost/api/auth/me', { method: 'POST', body: '{"a":1}' });
    expect((await authFetch(request)).status).toBe(200);
    expect(bodies).toEqual(['{"a":1}', '{"a":1}']);
  });
});
