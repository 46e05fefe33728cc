/**
 * "A device the account has not used before" (contract "Email", notices): the user agent's family
 * (browser and OS, no versions) and the IP network (IPv4 /24, IPv6 /48), so a browser update or a
 * new address from the same provider's block is not news, and a new browser or a new network is.
 */
import 'server-only';
import { isIPv4, isIPv6 } from 'node:net';
import { userAgentFamily } from '@/lib/user-agent';
import type { ClientContext } from './events';

/** The network an address belongs to, for device recognition (not an exact address). */
export function ipNetwork(ip: string | null): string {
  if (ip === null) return 'unknown';
  // An IPv4 address as a dual-stack socket reports it (`::ffff:192.0.2.1`) is that IPv4 address.
  const mapped = /^::ffff:(.+)$/i.exec(ip)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return ipNetwork(mapped);
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(ip)) {
    // Expand `::` so the first three groups are the real ones.
    const [head = '', tail = ''] = ip.toLowerCase().split('::');
    const headGroups = head ? head.split(':') : [];
    const tailGroups = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
    return `${groups.slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/48`;
  }
  return 'unknown';
}

/** The device key stored per account: `<browser> on <os>|<network>`. */
export function deviceKey(client: ClientContext): string {
  return `${userAgentFamily(client.userAgent)}|${ipNetwork(client.ip)}`;
}
