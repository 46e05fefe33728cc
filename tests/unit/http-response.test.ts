import { describe, expect, it } from 'vitest';
import { AuthResponse, json, noContent, seeOther } from '@/lib/http/response';

// Every API answer is an AuthResponse (issue 11: a plain Response with a string body, cheaper for
// Next to send than NextResponse.json's re-wrapped stream); these are the properties the contract
// needs from it.
describe('lib/http/response', () => {
  it('json(): the body as JSON, application/json, no-store, the status and extra headers', async () => {
    const response = json({ a: 1, b: 'ü' }, 201, { 'Retry-After': '5' });
    expect(response).toBeInstanceOf(AuthResponse);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ a: 1, b: 'ü' });
  });

  it('json(): a caller-given Content-Type is kept; a body that is not JSON is refused', () => {
    expect(json({}, 200, { 'Content-Type': 'application/problem+json' }).headers.get('content-type')).toBe('application/problem+json');
    expect(() => json(undefined)).toThrow(TypeError);
  });

  it('cookies set through .cookies become Set-Cookie lines, with no middleware-only header', () => {
    const response = json({ ok: true });
    response.cookies.set('a', '1', { httpOnly: true, path: '/', sameSite: 'lax' });
    response.cookies.set('b', '2', { path: '/' });
    response.cookies.delete('c');
    const lines = response.headers.getSetCookie();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^a=1; Path=\/; HttpOnly; SameSite=lax$/i);
    expect(lines[1]).toMatch(/^b=2; Path=\//);
    expect(lines[2]).toMatch(/^c=; Path=\/; Expires=Thu, 01 Jan 1970/);
    expect(response.headers.get('x-middleware-set-cookie')).toBeNull();
    // The jar is the response's own: the same object each time, reading what was set.
    expect(response.cookies).toBe(response.cookies);
    expect(response.cookies.get('a')?.value).toBe('1');
  });

  it('a response that sets no cookie has no Set-Cookie', () => {
    expect(json({}).headers.getSetCookie()).toEqual([]);
    expect(noContent().headers.getSetCookie()).toEqual([]);
  });

  it('noContent() and seeOther(): empty bodies that no cache keeps', async () => {
    const empty = noContent({ 'Clear-Site-Data': '"cookies"' });
    expect(empty.status).toBe(204);
    expect(empty.headers.get('cache-control')).toBe('no-store');
    expect(empty.headers.get('clear-site-data')).toBe('"cookies"');
    expect(await empty.text()).toBe('');
    const moved = seeOther('https://app.example/dashboard');
    expect(moved.status).toBe(303);
    expect(moved.headers.get('location')).toBe('https://app.example/dashboard');
    expect(moved.headers.get('cache-control')).toBe('no-store');
  });
});
