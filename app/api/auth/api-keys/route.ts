import { createApiKey, createApiKeySchema } from '@/lib/auth/create-api-key';
import { signedInRoute } from '@/lib/auth/guard';
import { listApiKeys } from '@/lib/auth/list-api-keys';
import { clientContext } from '@/lib/http/client';
import { readJson } from '@/lib/http/request';
import { json, otherMethods } from '@/lib/http/response';

// Managing keys needs a signed-in session (cookie or access token): an API key never manages keys.
export const GET = signedInRoute(async ({ auth, deps, now }) => json({ apiKeys: await listApiKeys(deps.store, auth.user.id, now) }));

/** 201 `{"apiKey": {…}, "key": "ntak_…"}`: the only time the key is ever shown. */
export const POST = signedInRoute(async ({ request, auth, deps, now }) => {
  const input = await readJson(request, createApiKeySchema);
  return json(await createApiKey(deps, auth, input, clientContext(request.headers, deps.config), now), 201);
});

export const { PUT, PATCH, DELETE } = otherMethods('GET', 'POST');
