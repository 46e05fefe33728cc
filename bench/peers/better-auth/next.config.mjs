import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Its own dist dir (the bench builds the peer once, apart from any dev build).
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
  // This folder is the project: without these, Next takes the repository root (its lockfile) for
  // the workspace root and picks up the main app's middleware.ts.
  turbopack: { root: here },
  outputFileTracingRoot: here,
};

export default nextConfig;
