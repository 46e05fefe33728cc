/**
 * Where to send the browser after sign-in: only ever a path on this site (checklist: open
 * redirects). Edge- and client-safe: no Node imports, only the WHATWG URL parser.
 *
 * Invariant: the returned string is a path-absolute URL (`/` followed by anything but `/` or `\`)
 * that resolves to this origin under every URL parser, with no control characters, even after
 * any number of rounds of percent-decoding by a proxy, a framework or another redirect.
 */

/** A base that no real request uses, to tell whether a candidate keeps the origin. */
const PROBE_ORIGIN = 'http://next-path.invalid';
/** Longer than any path we route; long values are refused rather than parsed. */
const MAX_LENGTH = 2048;
/** C0 controls, DEL and C1 controls: browsers strip tabs and newlines inside URLs, so `/\t/x` is `//x`. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** Bounds the decoding loop; more layers of encoding than this is never a real link. */
const MAX_DECODE_ROUNDS = 4;

/**
 * Percent-decodes valid `%XX` escapes byte by byte and leaves malformed ones alone, so that
 * `100%25` (a legitimate `%`) does not make the whole value undecodable. Non-ASCII bytes become
 * Latin-1 characters: we only look for ASCII `/`, `\` and control characters in the result.
 */
function decodeEscapes(value: string): string {
  return value.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Whether a single (possibly decoded) form of the value is a plain same-site path. */
function isPlainPath(value: string): boolean {
  if (!value.startsWith('/')) return false;
  // `//host` is protocol-relative; browsers treat `\` as `/` in http(s) URLs, so `/\host` is too.
  if (value[1] === '/' || value[1] === '\\') return false;
  return !value.includes('\\') && !CONTROL.test(value);
}

/**
 * Returns `value` when it is a same-site relative path (for `?next=`), else `fallback`.
 * Refuses `//x`, `/\x`, `\/x`, schemes (`https:`, `javascript:`), control characters and encoded
 * variants such as `/%2F%2Fevil.example` or `/%5Cevil`. The result is the normalised path.
 */
export function safeNextPath(value: string | null | undefined, fallback = '/dashboard'): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_LENGTH) return fallback;

  // Check the value and every decoded form of it: somebody downstream may decode it again.
  let current = value;
  for (let round = 0; ; round += 1) {
    if (!isPlainPath(current)) return fallback;
    const decoded = decodeEscapes(current);
    if (decoded === current) break;
    if (round === MAX_DECODE_ROUNDS) return fallback;
    current = decoded;
  }

  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  // Dot segments can turn `/..//evil.example` into the path `//evil.example`: check the result too.
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (url.origin !== PROBE_ORIGIN || !isPlainPath(path)) return fallback;
  return path;
}

/** The sign-in page that returns to `path` afterwards (the path is checked again on arrival). */
export function loginPath(path: string): string {
  return `/login?next=${encodeURIComponent(path)}`;
}

/**
 * The sign-in page showing the second step (`Code`, `Verify`) of a sign-in whose first factor
 * passed elsewhere (an email link, a provider), returning to `path` afterwards.
 */
export function secondStepPath(path: string): string {
  return `/login?second_step=1&next=${encodeURIComponent(path)}`;
}

/** A page's `next` search parameter as one string: the first when repeated, undefined when absent. */
export function nextParam(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
