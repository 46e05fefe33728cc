import { describe, expect, it } from 'vitest';
import { clientContext, type ClientContextConfig } from '@/lib/http/client';
import { forwardedAddressMac } from '@/lib/http/forwarded-address';
import { ACCESS_SECRET, REFRESH_SECRET } from '../support/env';

const headers = (init: Record<string, string>) => new Headers(init);

/** Behind a trusted proxy (TRUST_PROXY on). */
const PROXY: ClientContextConfig = { trustProxy: true, trustClientAddressHeader: false, accessTokenSecret: ACCESS_SECRET };
/** `npm start` (server.mjs in front), no proxy. */
const SERVER: ClientContextConfig = { trustProxy: false, trustClientAddressHeader: true, accessTokenSecret: ACCESS_SECRET };
/** `next dev` or plain `next start`: nothing sets x-client-address, so a client could. */
const BARE: ClientContextConfig = { trustProxy: false, trustClientAddressHeader: false, accessTokenSecret: ACCESS_SECRET };

describe('clientContext behind a trusted proxy (checklist H36)', () => {
  it('behind a trusted proxy takes the last X-Forwarded-For entry, the one the proxy appended', () => {
    expect(clientContext(headers({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 203.0.113.7' }), PROXY).ip).toBe('203.0.113.7');
  });

  it('does not let a client-written X-Real-IP override X-Forwarded-For', () => {
    expect(clientContext(headers({ 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '9.9.9.9' }), PROXY).ip).toBe('203.0.113.7');
  });

  it('uses X-Real-IP only when there is no X-Forwarded-For', () => {
    expect(clientContext(headers({ 'x-real-ip': '2001:db8::1' }), PROXY).ip).toBe('2001:db8::1');
  });

  it('refuses values that are not addresses and caps the user agent', () => {
    const context = clientContext(headers({ 'x-forwarded-for': "1.1.1.1, '; drop table users;--", 'user-agent': 'x'.repeat(2000) }), PROXY);
    expect(context.ip).toBeNull();
    expect(context.userAgent).toHaveLength(512);
  });

  it('ignores x-client-address and the forwarded address: the proxy decides', async () => {
    const mac = await forwardedAddressMac(ACCESS_SECRET, '198.51.100.9');
    const forged = { 'x-client-address': '198.51.100.8', 'x-forwarded-client-address': '198.51.100.9', 'x-forwarded-client-address-mac': mac };
    expect(clientContext(headers({ ...forged, 'x-forwarded-for': '203.0.113.7' }), PROXY).ip).toBe('203.0.113.7');
  });
});

describe('clientContext without a trusted proxy', () => {
  it('ignores every forwarding header', () => {
    for (const config of [SERVER, BARE]) {
      expect(clientContext(headers({ 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8' }), config).ip).toBeNull();
    }
  });

  it('takes the socket address server.mjs wrote into x-client-address', () => {
    expect(clientContext(headers({ 'x-client-address': '127.0.0.2', 'x-forwarded-for': '203.0.113.7' }), SERVER).ip).toBe('127.0.0.2');
    expect(clientContext(headers({ 'x-client-address': '2001:db8::5' }), SERVER).ip).toBe('2001:db8::5');
  });

  it('ignores x-client-address when server.mjs is not in front (a client could have written it)', () => {
    expect(clientContext(headers({ 'x-client-address': '127.0.0.2' }), BARE).ip).toBeNull();
  });

  it('refuses an x-client-address that is not an IP address', () => {
    for (const value of ['', 'localhost', '1.2.3', "1.1.1.1'--", '1.1.1.1, 2.2.2.2', '::ffff:zz']) {
      expect(clientContext(headers({ 'x-client-address': value }), SERVER).ip, value).toBeNull();
    }
  });

  it('prefers the forwarded address of the middleware when its MAC is valid', async () => {
    const mac = await forwardedAddressMac(ACCESS_SECRET, '127.0.0.7');
    const init = { 'x-client-address': '127.0.0.1', 'x-forwarded-client-address': '127.0.0.7', 'x-forwarded-client-address-mac': mac };
    expect(clientContext(headers(init), SERVER).ip).toBe('127.0.0.7');
  });

  it('ignores a forwarded address with a wrong, missing, truncated or foreign-key MAC', async () => {
    const good = await forwardedAddressMac(ACCESS_SECRET, '127.0.0.7');
    const otherAddress = await forwardedAddressMac(ACCESS_SECRET, '127.0.0.8');
    const otherKey = await forwardedAddressMac(REFRESH_SECRET, '127.0.0.7');
    const flipped = `${good[0] === 'A' ? 'B' : 'A'}${good.slice(1)}`;
    for (const mac of [otherAddress, otherKey, flipped, good.slice(0, -2), `${good}AA`, '', 'not base64!']) {
      const init = { 'x-client-address': '127.0.0.1', 'x-forwarded-client-address': '127.0.0.7', 'x-forwarded-client-address-mac': mac };
      expect(clientContext(headers(init), SERVER).ip, mac).toBe('127.0.0.1');
    }
    expect(clientContext(headers({ 'x-client-address': '127.0.0.1', 'x-forwarded-client-address': '127.0.0.7' }), SERVER).ip).toBe('127.0.0.1');
  });

  it('ignores even a validly MACed forwarded address when server.mjs is not in front', async () => {
    const mac = await forwardedAddressMac(ACCESS_SECRET, '127.0.0.7');
    expect(clientContext(headers({ 'x-forwarded-client-address': '127.0.0.7', 'x-forwarded-client-address-mac': mac }), BARE).ip).toBeNull();
  });

  it('MACs the forwarded address as a whole: a valid MAC of one address never vouches for another', async () => {
    const mac = await forwardedAddressMac(ACCESS_SECRET, '127.0.0.7');
    for (const address of ['127.0.0.70', '127.0.0.17', '::ffff:127.0.0.7']) {
      const init = { 'x-client-address': '127.0.0.1', 'x-forwarded-client-address': address, 'x-forwarded-client-address-mac': mac };
      expect(clientContext(headers(init), SERVER).ip, address).toBe('127.0.0.1');
    }
  });
});
