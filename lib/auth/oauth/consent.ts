/**
 * The user's answer on /authorize (POST /api/auth/authorize): Allow issues a code, Cancel sends
 * `access_denied`; either way the answer is where the browser goes next. The request is checked
 * again here: the page's query string came back from the browser and is trusted no more than the
 * first time.
 */
import 'server-only';
import type { SessionRecord } from '@/db/store';
import type { AuthDeps } from '../deps';
import { AuthError } from '../errors';
import type { ClientContext } from '../events';
import { approveAuthorization, denyAuthorization } from './authorization-codes';
import { checkAuthorizationRequest } from './authorization-request';

export type ConsentDecision = 'allow' | 'cancel';

/** Where to send the browser after the signed-in user's decision on the request in `query`. */
export async function answerAuthorization(deps: AuthDeps, query: string, decision: ConsentDecision, browser: SessionRecord, client: ClientContext, now: number): Promise<string> {
  const checked = checkAuthorizationRequest(new URLSearchParams(query), deps.config.nativeClients, deps.config.appOrigin);
  if (checked.kind === 'refused') throw new AuthError(checked.code);
  if (checked.kind === 'redirect') return checked.location;
  return decision === 'allow' ? approveAuthorization(deps, checked.request, browser, client, now) : denyAuthorization(deps, checked.request);
}
