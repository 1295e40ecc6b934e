import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';
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

/** Fails on any axe violation of WCAG 2.1 A/AA or axe's best practices; saves a screenshot. */
export async function checkPage(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({
    path: `${OUTPUT}/screenshots/${testInfo.project.name}-${name}.png`,
    fullPage: true,
  });
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  expect(
    results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
  ).toEqual([]);
}

/** Opens the account menu and signs out. */
export async function signOut(page: Page) {
  await page.locator('summary', { hasText: '' }).filter({ has: page.locator('.avatar') }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

const MAILBOX = process.env.PORTICO_MAILBOX ?? '';

/** Decodes quoted-printable text (soft line breaks and =XX escapes). */
function quotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The link in the newest mail to `to` whose subject contains `subject`, from the server's
 * mailbox folder (it has no SMTP server); waits for the job worker to deliver it.
 */
export async function linkFromMail(
  to: string,
  subject: string,
  pattern = /https?:\/\/\S+#token=[\w-]+/,
): Promise<string> {
  const { existsSync, readdirSync, readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  let link: string | undefined;
  await expect
    .poll(
      () => {
        // The server makes the folder with its first message.
        if (!existsSync(MAILBOX)) return undefined;
        const found = readdirSync(MAILBOX)
          .filter((f) => f.endsWith('.eml'))
          .map((f) => join(MAILBOX, f))
          .map((path) => ({ path, text: readFileSync(path, 'utf8'), at: statSync(path).mtimeMs }))
          .filter(({ text }) => {
            const head = text.split(/\r?\n\r?\n/)[0];
            return new RegExp(`^To: .*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(head) &&
              new RegExp(`^Subject: .*${subject}`, 'mi').test(head);
          })
          .sort((a, b) => b.at - a.at);
        const decoded = found.length ? quotedPrintable(found[0].text) : '';
        link = decoded.match(pattern)?.[0];
        return link;
      },
      { message: `a mail to ${to} about "${subject}"`, timeout: 15_000 },
    )
    .toBeTruthy();
  return link!;
}

/** A fresh contact of Northwind with a password, made through the API as the owner would. */
export async function newContact(request: APIRequestContext, email: string, password: string) {
  await newPerson(request, email, password, async (token) => {
    const orgs = await request.get('/api/v1/organizations', { headers: { authorization: `Bearer ${token}` } });
    const northwind = (await orgs.json()).items.find((o: { name: string }) => o.name === 'Northwind Traders');
    return { memberships: [{ organization_id: northwind.id, scopes: ['documents'] }] };
  });
}

/** A fresh staff agent with a password. */
export async function newAgent(request: APIRequestContext, email: string, name: string, password: string) {
  await newPerson(request, email, password, async () => ({ staff_role: 'agent', name }));
}

/** Invites someone as the owner (with what `extra` adds to the invitation) and accepts. */
async function newPerson(
  request: APIRequestContext,
  email: string,
  password: string,
  extra: (token: string) => Promise<Record<string, unknown>>,
) {
  const login = await request.post('/api/v1/auth/login', {
    data: { tenant: 'demo', email: 'owner@demo.test', password: PASSWORD },
  });
  expect(login.ok()).toBeTruthy();
  const token = (await login.json()).access_token;
  const invited = await request.post('/api/v1/users', {
    headers: { authorization: `Bearer ${token}` },
    data: { email, name: 'Fresh Person', ...(await extra(token)) },
  });
  expect(invited.status()).toBe(201);
  const link = await linkFromMail(email, 'invited');
  const accepted = await request.post('/api/v1/auth/invitation/accept', {
    data: { token: link.split('#token=')[1], password },
  });
  expect(accepted.ok()).toBeTruthy();
}
