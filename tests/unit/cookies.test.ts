/**
 * The one auth cookie reader and the clearing rule (contract "Cookies"; issue 9): a name sent
 * more than once is absent, and a response clears only the auth cookies its request carried.
 */
import { NextResponse } from 'next/server';
import { describe, expect, it } from 'vitest';
import { clearAuthCookies, readAuthCookies } from '@/lib/auth/cookies';

describe('readAuthCookies', () => {
  it('reads both cookies among others, values as sent', () => {
    expect(readAuthCookies('theme=dark; access_token=a.b.c; refresh_token=id.0.mac; x=1', false)).toEqual({
      access: 'a.b.c',
      refresh: 'id.0.mac',
      carried: { access: true, refresh: true },
    });
  });

  it('returns nothing and carries nothing without a header or without our names', () => {
    const none = { access: null, refresh: null, carried: { access: false, refresh: false } };
    expect(readAuthCookies(null, false)).toEqual(none);
    expect(readAuthCookies('', false)).toEqual(none);
    expect(readAuthCookies('theme=dark; access_tokens=x; xrefresh_token=y', false)).toEqual(none);
    // A pair without '=' is a nameless cookie whose value happens to be our name.
    expect(readAuthCookies('access_token; refresh_token', false)).toEqual(none);
  });

  it('treats a name sent more than once as absent, whether the values differ or not, but as carried', () => {
    expect(readAuthCookies('access_token=userA; access_token=userB; refresh_token=r', false)).toEqual({
      access: null,
      refresh: 'r',
      carried: { access: true, refresh: true },
    });
    expect(readAuthCookies('refresh_token=same; access_token=a; refresh_token=same', false)).toEqual({
      access: 'a',
      refresh: null,
      carried: { access: true, refresh: true },
    });
    expect(readAuthCookies('access_token=x; access_token=', false).access).toBeNull();
  });

  it('keeps an empty value as carried, and trims whitespace around names and values', () => {
    expect(readAuthCookies('access_token=;  refresh_token =  v  ', false)).toEqual({
      access: '',
      refresh: 'v',
      carried: { access: true, refresh: true },
    });
  });

  it('does not percent-decode (no reader may see a different value than another)', () => {
    expect(readAuthCookies('refresh_token=%E2%82%AC', false).refresh).toBe('%E2%82%AC');
  });

  it('with secure cookies reads only the __Host- names; the unprefixed ones are neither read nor carried', () => {
    expect(readAuthCookies('access_token=a; refresh_token=r', true)).toEqual({ access: null, refresh: null, carried: { access: false, refresh: false } });
    expect(readAuthCookies('__Host-access_token=a; __Host-refresh_token=r; access_token=x', true)).toEqual({
      access: 'a',
      refresh: 'r',
      carried: { access: true, refresh: true },
    });
  });
});

describe('clearAuthCookies', () => {
  it('clears nothing for a request that carried no auth cookie', () => {
    const response = new NextResponse(null);
    expect(clearAuthCookies(response.cookies, false, { access: false, refresh: false })).toBe(false);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('clears exactly the carried names, with Max-Age=0 and the attributes they were set with', () => {
    const refreshOnly = new NextResponse(null);
    expect(clearAuthCookies(refreshOnly.cookies, false, { access: false, refresh: true })).toBe(true);
    expect(refreshOnly.headers.getSetCookie()).toEqual(['refresh_token=; Path=/; Max-Age=0; HttpOnly; SameSite=lax']);
    const accessOnly = new NextResponse(null);
    clearAuthCookies(accessOnly.cookies, false, { access: true, refresh: false });
    expect(accessOnly.headers.getSetCookie()).toEqual(['access_token=; Path=/; Max-Age=0; HttpOnly; SameSite=lax']);
    const both = new NextResponse(null);
    clearAuthCookies(both.cookies, true, { access: true, refresh: true });
    expect(both.headers.getSetCookie()).toEqual([
      '__Host-access_token=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=lax',
      '__Host-refresh_token=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=lax',
    ]);
  });
});
