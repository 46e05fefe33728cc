import { describe, expect, it } from 'vitest';
import { normalizePath, protectionOf } from '@/lib/auth/paths';

describe('protectionOf (checklist D23: the matcher cannot be dodged)', () => {
  it.each([
    '/dashboard',
    '/dashboard/',
    '/Dashboard',
    '/DASHBOARD/',
    '//dashboard',
    '/%64ashboard',
    '/%64%61shboard/',
    '/dashboard/settings',
    '/account',
    '/Account//',
    '\\dashboard',
  ])('treats %s as a protected page', (path) => {
    expect(protectionOf(path)).toBe('page');
  });

  // API routes authenticate themselves (lib/auth/guard.ts); the middleware leaves them alone.
  it.each(['/', '/api/auth/me', '/API/Auth/Password', '/api/auth/login', '/api/auth/refresh', '/api/auth/logout', '/api/auth/register', '/dashboards', '/accounting', '/api/auth/messages', '/api/auth/password/forgot', '/api/auth/password/reset', '/api/auth/email/verify', '/api/auth/email/verification', '/forgot-password', '/reset-password', '/verify-email'])(
    'leaves %s public',
    (path) => {
      expect(protectionOf(path)).toBeNull();
    },
  );

  it.each(['/login', '/register', '/Login/', '/%72egister'])('treats %s as a guest page', (path) => {
    expect(protectionOf(path)).toBe('guest');
  });

  it.each(['/login/x', '/registered'])('leaves %s alone (not a guest page)', (path) => {
    expect(protectionOf(path)).toBeNull();
  });

  it('decides on the raw text when the escapes are malformed, without throwing', () => {
    expect(normalizePath('/%E0%A4%A')).toBe('/%e0%a4%a');
    expect(protectionOf('/dashboard/%')).toBe('page');
  });
});
