/**
 * The app's origin for a request (lib/http/origin.ts): in development the address the server was
 * really reached at, when that is localhost or an IP literal; in production APP_ORIGIN only.
 * And the production log line for a request refused for its Origin.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { effectiveAppOrigin, isAppOrigin, isLocalAddress, logOriginRefused, requestOrigin, sanitizeForLog } from '@/lib/http/origin';

const APP_ORIGIN = 'http://localhost:3000';
const development = { production: false, appOrigin: APP_ORIGIN };
const production = { production: true, appOrigin: APP_ORIGIN };

/**
 * A request as Next.js hands it to a route handler: the URL's host is the server's own listening
 * address (`localhost:<port>`), the `Host` header is the address the browser used.
 */
function served(host: string, { url = 'http://localhost:3000/api/auth/register', origin }: { url?: string; origin?: string } = {}): Request {
  const headers = new Headers({ host });
  if (origin !== undefined) headers.set('origin', origin);
  return new Request(url, { method: 'POST', headers });
}

const LOCAL_ORIGINS = ['http://localhost:3000', 'http://localhost:3001', 'http://127.0.0.1:3000', 'http://127.5.5.5:3000', 'http://[::1]:3000', 'http://192.168.1.5:3000', 'http://10.0.0.1:3000', 'https://192.168.1.5:3443'];

describe('isLocalAddress', () => {
  it.each(['localhost', '127.0.0.1', '127.5.5.5', '[::1]', '192.168.1.5', '10.0.0.1', '[fe80::1]'])('%s is localhost or an IP literal', (hostname) => {
    expect(isLocalAddress(hostname)).toBe(true);
  });

  it.each(['evil.example', 'localhost.evil.example', '127.0.0.1.evil.example', 'evil.localhost', 'my-laptop.local', '1.2.3.4.nip.io'])('%s is a domain name', (hostname) => {
    expect(isLocalAddress(hostname)).toBe(false);
  });
});

describe('requestOrigin', () => {
  it('takes the host from the Host header and the scheme from the URL, as Next.js gives them', () => {
    expect(requestOrigin(served('127.0.0.1:3000'))).toBe('http://127.0.0.1:3000');
    expect(requestOrigin(served('[::1]:3000'))).toBe('http://[::1]:3000');
    expect(requestOrigin(served('192.168.1.5:3000', { url: 'https://localhost:3000/api/auth/login' }))).toBe('https://192.168.1.5:3000');
  });

  it('falls back to the URL when there is no Host header', () => {
    expect(requestOrigin(new Request('http://127.0.0.1:3000/api/auth/register', { method: 'POST' }))).toBe('http://127.0.0.1:3000');
  });

  it.each(['evil.example/@127.0.0.1:3000', '127.0.0.1:3000@evil.example', '127.0.0.1:3000/path', '127.0.0.1:3000?x', 'a b', ''])('refuses the Host %j', (host) => {
    expect(requestOrigin(served(host))).toBeNull();
  });
});

describe('effectiveAppOrigin', () => {
  it.each(LOCAL_ORIGINS)('development: %s, reached at itself, is the app origin', (origin) => {
    expect(effectiveAppOrigin(development, origin)).toBe(origin);
  });

  it.each(['http://evil.example:3000', 'http://localhost.evil.example:3000', 'http://evil.localhost:3000', 'file:///etc/passwd', 'not an origin'])('development: %s stays APP_ORIGIN', (origin) => {
    expect(effectiveAppOrigin(development, origin)).toBe(APP_ORIGIN);
  });

  it('development without a request origin: APP_ORIGIN', () => {
    expect(effectiveAppOrigin(development, null)).toBe(APP_ORIGIN);
  });

  it.each(LOCAL_ORIGINS)('production: %s is never the app origin, APP_ORIGIN is', (origin) => {
    expect(effectiveAppOrigin(production, origin)).toBe(APP_ORIGIN);
  });
});

describe('isAppOrigin (the rule assertSameOrigin applies)', () => {
  it.each(LOCAL_ORIGINS)('development: Origin %s sent to that same address passes', (origin) => {
    const { protocol, host } = new URL(origin);
    const request = served(host, { origin, url: `${protocol}//localhost:3000/api/auth/register` });
    expect(isAppOrigin(development, origin, request)).toBe(true);
  });

  it('development: a page on a domain name is refused even when its Host matches (DNS rebinding)', () => {
    expect(isAppOrigin(development, 'http://evil.example:3000', served('evil.example:3000'))).toBe(false);
  });

  it.each([
    ['another port on localhost', 'http://localhost:8080', '127.0.0.1:3000'],
    ['another loopback address', 'http://127.0.0.2:3000', '127.0.0.1:3000'],
    ['another LAN host', 'http://192.168.1.66:3000', '192.168.1.5:3000'],
    ['another scheme', 'https://127.0.0.1:3000', '127.0.0.1:3000'],
    ['a foreign site', 'https://evil.example', '127.0.0.1:3000'],
    ['Origin: null', 'null', '127.0.0.1:3000'],
  ])('development: %s, different from the address the request was sent to, is refused', (_label, origin, host) => {
    expect(isAppOrigin(development, origin, served(host))).toBe(false);
  });

  it('APP_ORIGIN passes whatever the Host (a dev proxy that rewrites Host keeps working)', () => {
    expect(isAppOrigin(development, APP_ORIGIN, served('127.0.0.1:4000'))).toBe(true);
    expect(isAppOrigin(production, APP_ORIGIN, served('127.0.0.1:4000'))).toBe(true);
  });

  it.each(LOCAL_ORIGINS.filter((origin) => origin !== APP_ORIGIN))('production: Origin %s sent to that same address is refused', (origin) => {
    expect(isAppOrigin(production, origin, served(new URL(origin).host))).toBe(false);
  });
});

describe('sanitizeForLog', () => {
  it('keeps printable ASCII, replaces anything else and caps the length', () => {
    expect(sanitizeForLog('https://ok.example')).toBe('https://ok.example');
    expect(sanitizeForLog('http://a\r\n{"level":"error"}\u0000\u2028é')).toBe('http://a??{"level":"error"}???');
    const long = sanitizeForLog(`https://${'a'.repeat(1000)}.example`);
    expect(long).toHaveLength(203);
    expect(long.endsWith('...')).toBe(true);
  });
});

describe('logOriginRefused', () => {
  let warn: MockInstance<typeof console.warn>;
  const lines = () => warn.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);

  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
  });

  it('development: no line', () => {
    logOriginRefused(development, 'https://dev-only.example');
    expect(warn).not.toHaveBeenCalled();
  });

  it('production: one JSON line naming APP_ORIGIN per distinct origin, then silence', () => {
    logOriginRefused(production, 'https://www.example.com');
    logOriginRefused(production, 'https://www.example.com');
    expect(lines()).toEqual([
      { level: 'warn', event: 'origin_refused', at: expect.any(String), origin: 'https://www.example.com', appOrigin: APP_ORIGIN, hint: "set APP_ORIGIN to the site's public origin" },
    ]);
  });

  it('production: the Origin is sanitised, and one line stays one line', () => {
    logOriginRefused(production, 'https://x.example\n{"level":"error","event":"forged"}');
    expect(warn).toHaveBeenCalledTimes(1);
    const [line] = warn.mock.calls[0] ?? [];
    expect(String(line)).not.toMatch(/[\r\n]/);
    expect(lines()[0]?.origin).toBe('https://x.example?{"level":"error","event":"forged"}');
  });

  it('production: at most 16 distinct origins are ever logged per process', () => {
    // Two distinct origins were logged by the tests above; this process logs 14 more at most.
    for (let i = 0; i < 100; i += 1) logOriginRefused(production, `https://site-${i}.example`);
    expect(warn).toHaveBeenCalledTimes(14);
  });
});
