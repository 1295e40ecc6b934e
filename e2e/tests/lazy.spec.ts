// Pages other than sign-in and the landing page load their code when first visited (wasm-split
// chunks). Each is opened cold — a full page load straight to its address, so the wasm starts
// fresh and must fetch and link the chunk — and a chunk that fails to download offers a retry.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { PASSWORD, signIn } from './helpers';

/** A chunk of the app (every wasm module but the first load's). */
const CHUNK = /\/app-[0-9a-f]{16}\/(?!portico_web_bg)[^/]+\.wasm$/;

async function ownerToken(request: APIRequestContext): Promise<Record<string, string>> {
  const login = await request.post('/api/v1/auth/login', {
    data: { tenant: 'demo', email: 'owner@demo.test', password: PASSWORD },
  });
  return { authorization: `Bearer ${(await login.json()).access_token}` };
}

/** Opens `path` with a full page load and waits for `heading`, with no page error. */
async function openCold(page: Page, path: string, heading: string | RegExp) {
  const errors: string[] = [];
  const onError = (e: Error) => errors.push(e.message);
  page.on('pageerror', onError);
  await page.goto(path);
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
  page.off('pageerror', onError);
  expect(errors, `${path} raised errors`).toEqual([]);
}

test('every staff page opens cold from its address', async ({ page, request }, testInfo) => {
  const auth = await ownerToken(request);
  const orgs = await (await request.get('/api/v1/organizations', { headers: auth })).json();
  const northwind = orgs.items.find((o: { name: string }) => o.name === 'Northwind Traders');
  const created = await request.post(`/api/v1/organizations/${northwind.id}/requests`, {
    headers: auth,
    data: {
      title: `Opened cold ${testInfo.project.name}`,
      items: [{ kind: 'upload', title: 'Bank statement' }],
    },
  });
  expect(created.status()).toBe(201);
  const first = await created.json();

  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  const pages: [string, string | RegExp][] = [
    ['/profile', 'Your profile'],
    ['/staff', 'Organisations'],
    [`/staff/organizations/${northwind.id}`, 'Northwind Traders'],
    ['/staff/people', 'People'],
    ['/staff/settings', 'Portal settings'],
    ['/staff/templates', 'Request templates'],
    [`/staff/organizations/${northwind.id}/requests/new`, /^New request/],
    ['/requests', 'Requests'],
    [`/requests/${first.id}`, first.title],
    [`/documents?org=${northwind.id}`, /^Documents/],
  ];
  for (const [path, heading] of pages) {
    await openCold(page, path, heading);
  }
});

test('every customer page opens cold from its address', async ({ page }) => {
  await signIn(page, 'alice');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  for (const [path, heading] of [
    ['/documents', /^Documents/],
    ['/requests', 'What is asked of you'],
    ['/team', /team$/],
    ['/profile', 'Your profile'],
  ] as [string, string | RegExp][]) {
    await openCold(page, path, heading);
  }
});

test('every page reached from an emailed link opens cold', async ({ page }) => {
  for (const [path, heading] of [
    ['/forgot-password', 'Forgot your password?'],
    ['/reset-password', 'Choose a new password'],
    ['/magic-link', 'Signing you in'],
    ['/invitation', 'Accept your invitation'],
    ['/confirm-email', 'Confirm your email address'],
  ] as [string, string][]) {
    await openCold(page, path, heading);
  }
});

test('a page whose code fails to download says so, and its retry loads it', async ({ page }) => {
  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  let failures = 0;
  await page.route(CHUNK, async (route) => {
    if (failures === 0) {
      failures += 1;
      await route.abort('internetdisconnected');
    } else {
      await route.continue();
    }
  });
  await page.getByRole('link', { name: 'Organisations' }).first().click();
  await expect(page.getByRole('heading', { name: 'This page could not be loaded' })).toBeVisible();
  expect(failures).toBe(1);
  // After a deploy the old chunks are gone: a reload is offered too.
  await expect(page.getByRole('button', { name: 'Reload the portal' })).toBeVisible();
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Organisations', level: 1 })).toBeVisible();
});

test('the first load carries no page chunk; a page fetches its chunk once', async ({ page }) => {
  const chunks: string[] = [];
  page.on('request', (r) => {
    if (CHUNK.test(new URL(r.url()).pathname)) chunks.push(new URL(r.url()).pathname);
  });
  await signIn(page, 'alice');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  // Signing in and the landing page are the first load.
  expect(chunks).toEqual([]);
  await page.getByRole('link', { name: 'Documents' }).first().click();
  await expect(page.getByRole('heading', { name: /^Documents/ })).toBeVisible();
  const afterDocuments = chunks.length;
  expect(afterDocuments).toBeGreaterThan(0);
  await page.getByRole('link', { name: 'Requests' }).first().click();
  await page.getByRole('link', { name: 'Documents' }).first().click();
  await expect(page.getByRole('heading', { name: /^Documents/ })).toBeVisible();
  // Coming back to a page does not fetch its chunk again.
  expect(chunks.filter((c) => chunks.indexOf(c) !== chunks.lastIndexOf(c))).toEqual([]);
});
