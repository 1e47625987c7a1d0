import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { searchForWorkspaceRoot } from 'vite'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The contract's JSON the web app imports (functions/contract/status-text.json: the one wording
// of each order status, shared with the emails) lives outside frontend/: the dev server may
// serve it.
const contract = fileURLToPath(new URL('../functions/contract', import.meta.url))

// Product images an admin uploads are stored in the site bucket (images/uploads/...), not in
// public/: the dev server passes those requests on to the site of the running local stack.
function uploadsProxy() {
  let site: string | undefined
  try {
    const env = readFileSync(new URL('../.local/stack/env', import.meta.url), 'utf8')
    site = /^SAGAWAY_SITE_URL=(.+)$/m.exec(env)?.[1]?.trim()
  } catch {
    return undefined
  }
  if (!site) return undefined
  const base = new URL('.', site)
  return {
    '/images/uploads/': {
      target: base.origin,
      changeOrigin: true,
      rewrite: (path: string) => base.pathname.replace(/\/$/, '') + path,
    },
  }
}

// base './': the built app works from any path (an S3 website, or an S3 object URL on the
// local emulator). Routes use the URL hash, so no server-side fallback is needed.
export default defineConfig({
  base: './',
  plugins: [vue()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), contract] },
    proxy: uploadsProxy(),
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.spec.ts'],
  },
})
