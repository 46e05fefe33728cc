/**
 * The OpenID Connect flow cookie (lib/auth/oidc/flow-cookie.ts; checklist K66): sealed (nobody
 * reads the verifier, state or nonce out of it), unforgeable, bound to our key, expiring with the
 * flow, and read only when the browser sent exactly one.
 */
import { describe, expect, it } from 'vitest';
import { flowCookieName, flowCookieValue, FLOW_TTL_MS, openFlow, sealFlow, type OidcFlow } from '@/lib/auth/oidc/flow-cookie';
import { REFRESH_SECRET, T0 } from '../support/env';

const flow: OidcFlow = {
  provider: 'google',
  state: 's'.repeat(43),
  nonce: 'n'.repeat(43),
  verifier: 'v'.repeat(43),
  next: '/account',
  connect: null,
};

describe('sealFlow / openFlow', () => {
  it('round-trips a flow and hides every value in it', async () => {
    const sealed = await sealFlow(REFRESH_SECRET, flow, T0);
    expect(sealed.split('.')).toHaveLength(5);
    for (const value of [flow.state, flow.nonce, flow.verifier, 'google', '/account']) expect(sealed).not.toContain(value);
    expect(await openFlow(REFRESH_SECRET, sealed, T0)).toEqual(flow);
    const connect = { ...flow, connect: { userId: 'user-1', sessionId: 'sess-1' } };
    expect(await openFlow(REFRESH_SECRET, await sealFlow(REFRESH_SECRET, connect, T0), T0)).toEqual(connect);
  });

  it('expires after 10 minutes', async () => {
    const sealed = await sealFlow(REFRESH_SECRET, flow, T0);
    expect(await openFlow(REFRESH_SECRET, sealed, T0 + FLOW_TTL_MS - 1000)).not.toBeNull();
    expect(await openFlow(REFRESH_SECRET, sealed, T0 + FLOW_TTL_MS + 1000)).toBeNull();
  });

  it('refuses a cookie sealed under another secret, altered in any part, or not ours at all', async () => {
    const sealed = await sealFlow(REFRESH_SECRET, flow, T0);
    expect(await openFlow(`${REFRESH_SECRET.slice(1)}x`, sealed, T0)).toBeNull();
    const parts = sealed.split('.');
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i] ?? '';
      if (part === '') continue;
      const altered = [...parts];
      // The first character: all six of its bits count (a last one may carry padding bits only).
      altered[i] = `${part.startsWith('A') ? 'B' : 'A'}${part.slice(1)}`;
      expect(await openFlow(REFRESH_SECRET, altered.join('.'), T0)).toBeNull();
    }
    for (const value of [null, '', 'garbage', 'a.b.c.d.e', 'x'.repeat(5000)]) expect(await openFlow(REFRESH_SECRET, value, T0)).toBeNull();
  });
});

describe('flowCookieValue', () => {
  it('reads exactly one cookie of the name (a second one, planted, makes it absent)', () => {
    expect(flowCookieName(true)).toBe('__Host-oauth_flow');
    expect(flowCookieName(false)).toBe('oauth_flow');
    expect(flowCookieValue('a=1; oauth_flow=abc; b=2', false)).toBe('abc');
    expect(flowCookieValue('oauth_flow=abc; oauth_flow=def', false)).toBeNull();
    expect(flowCookieValue('oauth_flow=abc', true)).toBeNull();
    expect(flowCookieValue(null, false)).toBeNull();
  });
});
