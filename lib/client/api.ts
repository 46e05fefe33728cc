/**
 * Calling our JSON API from forms: one place that turns a response into "ok" or a problem to
 * show (a sentence for the alert and messages per field). Client-safe: zod/mini only.
 */
import * as z from 'zod/mini';

/** The contract's error body; anything else from the server is treated as an unknown failure. */
const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.optional(z.record(z.string(), z.array(z.string()))),
  }),
});

export interface Problem {
  /** The contract's error code, or `network_error` when the server could not be reached. */
  code: string;
  message: string;
  /** Messages by field name, shown next to their fields. */
  fields: Record<string, string[]>;
}

const UNEXPECTED: Problem = { code: 'internal_error', message: 'Something went wrong on our side. Please try again.', fields: {} };
const OFFLINE: Problem = { code: 'network_error', message: 'Could not reach the server. Check your connection and try again.', fields: {} };

/** "45 seconds", "2 minutes": how long a rate limit asks the user to wait. */
function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Reads the problem out of a failed response; never throws. */
export async function problemOf(response: Response): Promise<Problem> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return UNEXPECTED;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return UNEXPECTED;
  const { code, message, fields } = parsed.data.error;
  const wait = Number(response.headers.get('retry-after'));
  if (code === 'rate_limited' && Number.isInteger(wait) && wait > 0) {
    return { code, message: `Too many attempts. Please try again in ${waitText(wait)}.`, fields: fields ?? {} };
  }
  return { code, message, fields: fields ?? {} };
}

export type Outcome = { ok: true; response: Response } | { ok: false; problem: Problem };

/** POSTs a JSON body to one of our routes; resolves to the response or the problem to show. */
export async function postJson(path: string, body: unknown): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, problem: OFFLINE };
  }
  if (response.ok) return { ok: true, response };
  return { ok: false, problem: await problemOf(response) };
}

/** The network problem, for callers that fetch by other means. */
export const networkProblem: Problem = OFFLINE;
