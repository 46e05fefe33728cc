/**
 * Where the `Sign in` button of /magic-link sends the browser (app/_components/magic-link-sign-in.tsx):
 * the `next` the server hands back, checked again in the browser, or the second step that goes on
 * to it; anything that is not a same-site path becomes /dashboard.
 */
import { describe, expect, it } from 'vitest';
import { landingAfterLink } from '@/app/_components/magic-link-sign-in';

const answer = (body: unknown) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { headers: { 'content-type': 'application/json' } });

describe('landingAfterLink', () => {
  it('goes to the link\'s next, or to the second step that returns to it', async () => {
    expect(await landingAfterLink(answer({ user: {}, next: '/authorize?client_id=app&state=a%2Fb' }))).toBe('/authorize?client_id=app&state=a%2Fb');
    expect(await landingAfterLink(answer({ twoFactorRequired: true, next: '/account' }))).toBe('/login?second_step=1&next=%2Faccount');
  });

  it('falls back to /dashboard for a missing, foreign or unreadable next', async () => {
    expect(await landingAfterLink(answer({ user: {} }))).toBe('/dashboard');
    expect(await landingAfterLink(answer({ user: {}, next: '//evil.example' }))).toBe('/dashboard');
    expect(await landingAfterLink(answer({ user: {}, next: 'https://evil.example/' }))).toBe('/dashboard');
    expect(await landingAfterLink(answer({ user: {}, next: 42 }))).toBe('/dashboard');
    expect(await landingAfterLink(answer('not json'))).toBe('/dashboard');
    expect(await landingAfterLink(answer({ twoFactorRequired: true }))).toBe('/login?second_step=1&next=%2Fdashboard');
  });
});
