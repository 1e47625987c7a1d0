import { fileURLToPath } from 'node:url'
import { searchForWorkspaceRoot } from 'vite'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The contract's JSON the web app imports (functions/contract/status-text.json: the one wording
// of each order status, shared with the emails) lives outside frontend/: the dev server may
// serve it.
const contract = fileURLToPath(new URL('../functions/contract', import.meta.url))

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
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.spec.ts'],
  },
})
