import { headers } from 'next/headers';

// The protected route's twin without auth: dynamic (reads the request headers) like it.
export async function GET() {
  await headers();
  return Response.json({ user: { id: 'public' } });
}
