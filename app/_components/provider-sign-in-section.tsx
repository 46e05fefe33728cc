import { oauthErrorMessage } from '@/lib/auth/oidc/messages';
import { getConfig } from '@/lib/config';
import { ProviderSignIn } from './provider-sign-in';

/** The `Sign in with <Name>` buttons of /login, for the providers configured on the server. */
export function ProviderSignInSection({ next, error }: { next: string; error: string | string[] | undefined }) {
  const providers = getConfig().oidcProviders.map(({ id, name }) => ({ id, name }));
  return <ProviderSignIn providers={providers} next={next} error={oauthErrorMessage(error)} />;
}
