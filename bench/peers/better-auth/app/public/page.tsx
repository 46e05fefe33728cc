import { headers } from 'next/headers';

// The protected page's twin without auth: dynamic (reads the request headers) like it.
export default async function PublicPage() {
  await headers();
  return (
    <main>
      <h1>Public</h1>
      <p>Signed in as nobody</p>
    </main>
  );
}
