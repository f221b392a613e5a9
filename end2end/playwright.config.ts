import { defineConfig } from '@playwright/test';

// scripts/test builds the server, seeds a database of its own and passes both
// here; nothing below names a fixed host.
const port = Number(process.env.TROVE_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const server = process.env.TROVE_BIN;
if (!server) throw new Error('TROVE_BIN must name the trove server binary (scripts/test sets it)');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'chromium', testIgnore: /no-js/ },
    { name: 'no-js', testMatch: /no-js/, use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `"${server}" serve`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      TROVE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: process.env.TROVE_E2E_DATABASE_URL ?? '',
      TROVE_MEDIA_DIR: process.env.TROVE_E2E_MEDIA_DIR ?? '',
      TROVE_SITE_ROOT: process.env.TROVE_E2E_SITE_ROOT ?? '',
      SMTP_URL: process.env.TROVE_E2E_SMTP_URL ?? '',
      // Card payments through localstripe (scripts/test starts it).
      ...(process.env.TROVE_E2E_STRIPE_URL
        ? {
            STRIPE_SECRET_KEY: 'sk_test_trove_e2e',
            STRIPE_PUBLISHABLE_KEY: 'pk_test_trove_e2e',
            STRIPE_WEBHOOK_SECRET: 'whsec_trove_e2e',
            STRIPE_API_URL: `${process.env.TROVE_E2E_STRIPE_URL}/`,
            STRIPE_JS_URL: `${process.env.TROVE_E2E_STRIPE_URL}/js.stripe.com/v3/`,
          }
        : {}),
      RUST_LOG: 'warn',
    },
  },
});
