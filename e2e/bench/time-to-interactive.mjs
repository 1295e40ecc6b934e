// Time to interactive of the signed-in landing page, measured by `cargo xtask bench web`:
// a cold navigation (empty cache, a new browser context holding only the refresh cookie, so the
// token refresh is included) until the landing page's heading is visible and a click on the
// top bar's account menu opens it. 20 runs unthrottled, 20 with 4× CPU throttling and a
// "Fast 3G" network (Chrome DevTools' preset) through CDP. Prints one JSON line per row.
import { chromium } from '@playwright/test';

const BASE = process.env.PORTICO_URL;
const PASSWORD = process.env.DEMO_PASSWORD;
const RUNS = Number(process.env.TTI_RUNS ?? 20);
const FAST_3G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1.6 * 1024 * 1024 * 0.9) / 8,
  uploadThroughput: (750 * 1024 * 0.9) / 8,
};

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function once(browser, throttled, trace = false) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 390, height: 844 } });
  // Signing in is not measured: it leaves the refresh cookie in this context.
  const login = await context.request.post('/api/v1/auth/login', {
    data: { tenant: 'demo', email: 'alice@demo.test', password: PASSWORD },
  });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()}`);
  const page = await context.newPage();
  if (throttled) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  }
  const timeline = [];
  const started = performance.now();
  const at = () => Math.round(performance.now() - started);
  page.on('request', (r) => timeline.push([at(), 'start', new URL(r.url()).pathname]));
  page.on('requestfinished', (r) => timeline.push([at(), 'done ', new URL(r.url()).pathname]));
  await page.goto('/', { waitUntil: 'commit' });
  await page.getByRole('heading', { name: /^Welcome, /, level: 1 }).waitFor();
  timeline.push([at(), 'shown', 'landing page heading']);
  await page.locator('.user-menu summary').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).waitFor();
  const elapsed = performance.now() - started;
  timeline.push([at(), 'click', 'account menu open']);
  if (trace) {
    // TTI_TRACE=1: where one run's time goes, on stderr.
    console.error(`-- ${throttled ? 'throttled' : 'unthrottled'} run`);
    for (const [ms, what, path] of timeline) console.error(`${String(ms).padStart(6)} ms  ${what}  ${path}`);
  }
  await context.close();
  return elapsed;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  for (const throttled of [false, true]) {
    // Warm-up: the server's first answers, not the page's (traced when TTI_TRACE is set).
    await once(browser, throttled, Boolean(process.env.TTI_TRACE));
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await once(browser, throttled));
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({
      row: throttled ? 'throttled (4x CPU, Fast 3G)' : 'unthrottled',
      runs: RUNS,
      p50_ms: Math.round(percentile(times, 50)),
      p95_ms: Math.round(percentile(times, 95)),
    }));
  }
} finally {
  await browser.close();
}
