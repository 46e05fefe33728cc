import type { Metadata } from 'next';
import { AuthorizeConsent } from '@/app/_components/authorize-consent';
import { requireUser } from '@/lib/auth/dal';
import { getAuthDeps } from '@/lib/auth/deps';
import { checkAuthorizationRequest } from '@/lib/auth/oauth/authorization-request';

export const metadata: Metadata = { title: 'Allow sign-in' };

type SearchParams = Record<string, string | string[] | undefined>;

/** The search parameters back as a query string, every value of every name kept (a repeat is an error the check must see). */
function queryOf(params: SearchParams): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) query.append(name, item);
  }
  return query.toString();
}

/**
 * A native app's sign-in request (from GET /api/auth/authorize): the signed-in user confirms that
 * the app may sign in as them. Without this step any app on the device could open the browser and
 * silently receive a code for whoever is signed in there. Signed-out visitors go through /login
 * (every way to sign in, two-factor and passkeys included) and come back here.
 */
export default async function AuthorizePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = queryOf(await searchParams);
  const { user } = await requireUser(`/authorize?${query}`);
  const { config } = await getAuthDeps();
  const checked = checkAuthorizationRequest(new URLSearchParams(query), config.nativeClients, config.appOrigin);
  if (checked.kind !== 'valid') {
    return (
      <section className="panel" aria-labelledby="authorize-title">
        <h1 id="authorize-title">This sign-in request is not valid</h1>
        <p role="alert">The app that sent you here made a request this server cannot accept. Close this page and try again from the app.</p>
      </section>
    );
  }
  const { clientId } = checked.request.client;
  return (
    <section className="panel stack" aria-labelledby="authorize-title">
      <h1 id="authorize-title">Allow {clientId} to sign in as you?</h1>
      <p id="authorize-explanation">
        The app <strong>{clientId}</strong> asks to sign in to your account <strong>{user.email}</strong>. It will appear as a session on your account page, where you can end it at any time.
      </p>
      <AuthorizeConsent query={query} clientId={clientId} />
    </section>
  );
}
