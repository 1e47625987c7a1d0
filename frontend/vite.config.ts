import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// base './': the built app works from any path (an S3 website, or an S3 object URL on the
// local emulator). Routes use the URL hash, so no server-side fallback is needed.
export default defineConfig({
  base: './',
  plugins: [vue()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.spec.ts'],
  },
})
