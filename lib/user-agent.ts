/** Short, human names for the devices sessions were started on ("Chrome 156 on Linux"). */
import Bowser from 'bowser';

/** Describes a user agent in a few words, or says it is unknown; never echoes the raw string. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const parser = Bowser.getParser(userAgent);
  const browser = parser.getBrowserName();
  const version = parser.getBrowserVersion()?.split('.')[0];
  const os = parser.getOSName();
  if (!browser && !os) return 'Unknown device';
  const name = browser ? (version ? `${browser} ${version}` : browser) : 'A browser';
  return os ? `${name} on ${os}` : name;
}

/**
 * The family of a user agent for "is this a device the account used before": browser and OS
 * names without versions (a browser update is the same device), or `unknown`.
 */
export function userAgentFamily(userAgent: string | null): string {
  if (!userAgent) return 'unknown';
  const parser = Bowser.getParser(userAgent);
  const family = [parser.getBrowserName(), parser.getOSName()].filter(Boolean).join(' on ');
  return family || 'unknown';
}
