// Browser tests against the real `portico` binary, which `cargo xtask test` starts (fresh
// SQLite database, demo seed) and names in PORTICO_URL. Debian's Chromium, never a download.
import { defineConfig } from '@playwright/test';

const output = process.env.E2E_OUTPUT ?? '../target/e2e';

export default defineConfig({
  testDir: './tests',
  outputDir: `${output}/results`,
  fullyParallel: true,
  workers: 2,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.PORTICO_URL ?? 'http://127.0.0.1:8080',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
    { name: 'phone', use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  ],
});
