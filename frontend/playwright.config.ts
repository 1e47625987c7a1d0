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
  // Every journey runs at a desktop size and a phone size (e2e/support.ts checks each page:
  // axe, no sideways scrolling, a screenshot per project).
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
    { name: 'phone', use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  ],
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
