import { defineConfig } from '@playwright/test'

// Browser tests against the deployed local stack (tests/system.sh sets the URLs), in
// Debian's Chromium: Playwright cannot download its own browser here.
export default defineConfig({
  testDir: './e2e',
  timeout: 150_000,
  expect: { timeout: 90_000 },
  workers: 2,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results/artifacts',
  use: {
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
})
