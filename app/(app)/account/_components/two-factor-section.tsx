import { getAccountOverview } from '@/lib/auth/dal';
import { getAuthDeps } from '@/lib/auth/deps';
import { twoFactorStatus } from '@/lib/auth/two-factor-setup';
import { TwoFactorSettings } from './two-factor-settings';

/**
 * The account page's `Two-factor authentication` section: whether it is on, and the controls to
 * set it up or turn it off. The user is the page's (checked in the database by getAccountOverview).
 */
export async function TwoFactorSection() {
  const { current } = await getAccountOverview();
  const { store } = await getAuthDeps();
  const status = await twoFactorStatus(store, current.user.id);
  return (
    <section className="panel" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">Two-factor authentication</h2>
      <TwoFactorSettings email={current.user.email} enabled={status.enabled} recoveryCodesLeft={status.recoveryCodesLeft} />
    </section>
  );
}
