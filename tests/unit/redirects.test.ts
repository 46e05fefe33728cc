import { describe, expect, it } from 'vitest';
import { loginPath, safeNextPath } from '@/lib/auth/redirects';

describe('safeNextPath', () => {
  it.each([
    ['/dashboard', '/dashboard'],
    ['/account', '/account'],
    ['/dashboard?tab=sessions#top', '/dashboard?tab=sessions#top'],
    ['/search?q=100%25', '/search?q=100%25'],
    ['/files/a%2Fb', '/files/a%2Fb'],
    ['/a/../account', '/account'],
    ['/a b', '/a%20b'],
  ])('keeps the same-site path %j', (value, expected) => {
    expect(safeNextPath(value)).toBe(expected);
  });

  it.each([
    // Absolute and scheme URLs.
    'https://evil.example',
    'http://evil.example/dashboard',
    'HTTPS://evil.example',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'mailto:someone@evil.example',
    // Protocol-relative and backslash variants.
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\/evil.example',
    '\\\\evil.example',
    '/dashboard\\..\\..\\evil',
    // Percent-encoded variants, once and twice.
    '/%2F%2Fevil.example',
    '/%2f%2fevil.example',
    '/%2Fevil.example',
    '/%5Cevil',
    '/%5cevil',
    '%2F%2Fevil.example',
    '/%252F%252Fevil.example',
    '/%25252F%25252Fevil.example',
    '/%255Cevil',
    // Dot segments that normalise into a protocol-relative path.
    '/..//evil.example',
    '/.//evil.example',
    // Control characters, which browsers strip (so `/\t/x` is `//x`).
    '/\t/evil.example',
    '/\n/evil.example',
    '/%09/evil.example',
    '/%0a/evil.example',
    '/dashboard%00',
    '/dashboard\u0000',
    '/dashboard\u007f',
    // Not starting with a single slash.
    'dashboard',
    ' /dashboard',
    '.',
    '../dashboard',
    '?next=/x',
    '#/x',
  ])('refuses %j', (value) => {
    expect(safeNextPath(value)).toBe('/dashboard');
  });

  it('refuses missing, empty and overlong values', () => {
    expect(safeNextPath(null)).toBe('/dashboard');
    expect(safeNextPath(undefined)).toBe('/dashboard');
    expect(safeNextPath('')).toBe('/dashboard');
    expect(safeNextPath(`/${'a'.repeat(4096)}`)).toBe('/dashboard');
  });

  it('refuses values encoded more times than any real link is', () => {
    let value = '/%2F';
    for (let i = 0; i < 6; i += 1) value = value.replace(/%/g, '%25');
    expect(safeNextPath(value)).toBe('/dashboard');
  });

  it('uses the given fallback', () => {
    expect(safeNextPath('//evil.example', '/')).toBe('/');
    expect(safeNextPath('/account', '/')).toBe('/account');
  });

  it('never returns anything a browser would resolve off the site', () => {
    const attempts = ['/%2F%2Fevil.example', '/\\evil.example', '//evil.example', 'https://evil.example', '/..//evil.example', '/\t/evil.example'];
    for (const attempt of attempts) {
      const target = new URL(safeNextPath(attempt), 'https://app.example');
      expect(target.origin).toBe('https://app.example');
    }
  });
});

describe('loginPath', () => {
  it('carries the path in `next`, encoded', () => {
    expect(loginPath('/dashboard')).toBe('/login?next=%2Fdashboard');
    expect(loginPath('/dashboard?a=1&b=2')).toBe('/login?next=%2Fdashboard%3Fa%3D1%26b%3D2');
  });
});
