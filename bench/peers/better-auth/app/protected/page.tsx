import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { auth } from '@/lib/auth';

export default async function ProtectedPage() {
  const session = await auth.api.getSession({ headers: await headers() });
  if (!session) redirect('/sign-in');
  return (
    <main>
      <h1>Protected</h1>
      <p>Signed in as {session.user.email}</p>
    </main>
  );
}
