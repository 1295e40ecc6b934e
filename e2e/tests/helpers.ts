import { expect, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export const PASSWORD = process.env.DEMO_PASSWORD ?? '';
const OUTPUT = process.env.E2E_OUTPUT ?? '../target/e2e';

/** Signs in through the form as `who`@demo.test. */
export async function signIn(page: Page, who: string, password = PASSWORD) {
  if (!page.url().includes('/sign-in')) {
    await page.goto('/sign-in?tenant=demo');
  }
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // The page shows the tenant it found, or asks for one: wait until it has decided.
  const portal = page.getByLabel('Portal');
  await expect(page.getByText('Signing in to').or(portal)).toBeVisible();
  if (await portal.isVisible()) {
    // No tenant in the link or the host name: the visitor names the portal.
    await portal.fill('demo');
    await portal.blur();
  }
  await expect(page.getByText('Acme Accounting').first()).toBeVisible();
  await page.getByLabel('Email').fill(`${who}@demo.test`);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Fails on any serious or critical axe violation; saves a screenshot for review. */
export async function checkPage(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({
    path: `${OUTPUT}/screenshots/${testInfo.project.name}-${name}.png`,
    fullPage: true,
  });
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
  ).toEqual([]);
}

/** Opens the account menu and signs out. */
export async function signOut(page: Page) {
  await page.locator('summary', { hasText: '' }).filter({ has: page.locator('.avatar') }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}
