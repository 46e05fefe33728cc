import { betterAuth } from 'better-auth';
import { nextCookies } from 'better-auth/next-js';
import { authOptions } from '@/auth-options.mjs';

// Better Auth's Next.js setup: the options, plus the nextCookies plugin its Next.js guide adds.
export const auth = betterAuth({ ...authOptions(), plugins: [nextCookies()] });
