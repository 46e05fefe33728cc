import { describe, expect, it } from 'vitest';
import { clientContext } from '@/lib/http/client';

const headers = (init: Record<string, string>) => new Headers(init);

describe('clientContext (checklist H36)', () => {
  it('ignores every forwarding header unless a proxy is trusted', () => {
    expect(clientContext(headers({ 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8' }), false).ip).toBeNull();
  });

  it('behind a trusted proxy takes the last X-Forwarded-For entry, the one the proxy appended', () => {
    expect(clientContext(headers({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 203.0.113.7' }), true).ip).toBe('203.0.113.7');
  });

  it('does not let a client-written X-Real-IP override X-Forwarded-For', () => {
    expect(clientContext(headers({ 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '9.9.9.9' }), true).ip).toBe('203.0.113.7');
  });

  it('uses X-Real-IP only when there is no X-Forwarded-For', () => {
    expect(clientContext(headers({ 'x-real-ip': '2001:db8::1' }), true).ip).toBe('2001:db8::1');
  });

  it('refuses values that are not addresses and caps the user agent', () => {
    const context = clientContext(headers({ 'x-forwarded-for': "1.1.1.1, '; drop table users;--", 'user-agent': 'x'.repeat(2000) }), true);
    expect(context.ip).toBeNull();
    expect(context.userAgent).toHaveLength(512);
  });
});
