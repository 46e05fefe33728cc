/**
 * Reading untrusted requests at the boundary: Origin/CSRF rule, media type, body cap, JSON, zod.
 * Each failure is an AuthError with its stable code; nothing here trusts the middleware.
 */
import type { z } from 'zod';
import { AuthError, type FieldErrors } from '@/lib/auth/errors';
import { getConfig } from '@/lib/config';
import { isAppOrigin, logOriginRefused } from './origin';

/** Bodies above this are refused with 413 before they are parsed (checklist M53). */
export const MAX_BODY_BYTES = 16 * 1024;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The contract's Origin rule for state-changing requests: a present Origin must equal APP_ORIGIN
 * (`null` never does; in development also the request's own localhost or IP-literal origin, see
 * lib/http/origin.ts). Browsers that send `Sec-Fetch-Site: cross-site` are refused too.
 * Requests with neither header (native clients, scripts) pass: they carry no ambient cookies
 * from a victim's browser.
 */
export function assertSameOrigin(request: Request): void {
  if (!UNSAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get('origin');
  if (origin !== null) {
    const config = getConfig();
    if (!isAppOrigin(config, origin, request)) {
      logOriginRefused(config, origin);
      throw new AuthError('forbidden_origin');
    }
  }
  if (request.headers.get('sec-fetch-site') === 'cross-site') throw new AuthError('forbidden_origin');
}

function isJson(contentType: string | null): boolean {
  if (contentType === null) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** Whether the request carries a body at all (a Content-Length above zero or a chunked stream). */
export function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length');
  if (length !== null) return length.trim() !== '0';
  return request.body !== null && request.headers.has('transfer-encoding');
}

/** Reads the raw body, stopping with 413 as soon as it passes the cap. */
export async function readCapped(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw new AuthError('payload_too_large');
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      // The client went away mid-body (Node's "aborted"): nobody reads the answer, and an aborted
      // request is no server fault, so it becomes an ordinary 400 instead of a logged 500.
      throw new AuthError('bad_request', { cause });
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new AuthError('payload_too_large');
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new AuthError('invalid_json', { cause });
  }
}

/** Flattens zod issues into the contract's `fields` map (top-level field name to messages). */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : '_';
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

/** Parses a JSON request body with a zod schema: 415, 413, 400 `invalid_json` or 400 `validation_error`. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  if (!isJson(request.headers.get('content-type'))) throw new AuthError('unsupported_media_type');
  const text = await readCapped(request);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new AuthError('invalid_json', { cause });
  }
  const result = schema.safeParse(data);
  if (!result.success) throw new AuthError('validation_error', { fields: fieldErrors(result.error) });
  return result.data;
}

/** Like readJson, but an absent body yields `undefined` (for routes whose body is optional). */
export async function readOptionalJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S> | undefined> {
  if (!hasBody(request) && request.headers.get('content-type') === null) return undefined;
  return readJson(request, schema);
}
