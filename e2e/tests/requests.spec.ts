// The request journey in the browser: staff ask Northwind for two documents, a signature and
// an answer; Alice follows the email, drops both files (a progress bar each), signs, answers,
// and sees the request completed once staff accept every item; she also sees that staff
// viewed her file.
// Each viewport uses names of its own.
import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, checkPage, linkFromMail, signIn, signOut } from './helpers';

/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function drop(page: Page, testId: string, name: string, base64: string, type: string) {
  const transfer = await page.evaluateHandle(
    ({ name, base64, type }) => {
      const dt = new DataTransfer();
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], name, { type }));
      return dt;
    },
    { name, base64, type },
  );
  await page.getByTestId(testId).dispatchEvent('drop', { dataTransfer: transfer });
}

test('staff ask for two documents and a signature; the customer fulfils it and sees it completed', async ({ page, request }, testInfo) => {
  const tag = testInfo.project.name;
  const title = `Year-end ${tag}`;
  const letter = `Engagement letter ${tag}.pdf`;
  const statement = `Statement ${tag}.pdf`;

  // The letter to sign, filed for Northwind through the API.
  const login = await request.post('/api/v1/auth/login', {
    data: { tenant: 'demo', email: 'owner@demo.test', password: PASSWORD },
  });
  const token = (await login.json()).access_token;
  const auth = { authorization: `Bearer ${token}` };
  const orgs = await (await request.get('/api/v1/organizations', { headers: auth })).json();
  const northwind = orgs.items.find((o: { name: string }) => o.name === 'Northwind Traders');
  const filed = await request.post(
    `/api/v1/organizations/${northwind.id}/documents?name=${encodeURIComponent(letter)}`,
    { headers: { ...auth, 'content-type': 'application/pdf' }, data: Buffer.from('%PDF-1.7\nterms\n%%EOF\n') },
  );
  expect(filed.status()).toBe(201);
  const sha256 = (await filed.json()).sha256;

  // Staff build the request.
  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.getByRole('link', { name: 'Organisations' }).first().click();
  await page.getByRole('link', { name: 'Northwind Traders' }).click();
  await page.getByRole('link', { name: 'New request' }).click();
  await expect(page.getByRole('heading', { name: 'New request for Northwind Traders' })).toBeVisible();
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Due date').fill('2030-01-31');
  await page.getByLabel('What is asked').fill('Bank statements');
  await page.getByLabel('PDF only').check();
  await page.getByRole('button', { name: 'Add an item' }).click();
  await page.getByLabel('What is asked').nth(1).fill('Passport');
  await page.getByRole('button', { name: 'Add an item' }).click();
  await page.getByLabel('Item 3: kind').selectOption('sign');
  await page.getByLabel('What is asked').nth(2).fill('Engagement letter');
  await page.getByLabel('Document', { exact: true }).selectOption({ label: letter });
  await page.getByRole('button', { name: 'Add an item' }).click();
  await page.getByLabel('Item 4: kind').selectOption('question');
  await page.getByLabel('What is asked').nth(3).fill('About your year');
  await page.getByLabel('The question').fill('Did you move house in 2025?');
  await page.getByLabel('Answer', { exact: true }).selectOption('yes_no');
  await checkPage(page, testInfo, 'request-builder');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByTestId('request-status')).toHaveText('Open');
  await signOut(page);

  // Alice follows the email.
  const link = await linkFromMail('alice@demo.test', `New request: ${title}`, /https?:\/\/\S+\/requests\/[\w-]+\?tenant=\w+/);
  await page.goto(link);
  // The link asks her to sign in, then brings her back to the request.
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn(page, 'alice');
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  const pdf = Buffer.from(`%PDF-1.7\n% statement ${tag}\n%%EOF\n`).toString('base64');
  await drop(page, 'drop-Bank statements', statement, pdf, 'application/pdf');
  await expect(page.getByRole('progressbar', { name: `Uploading ${statement}` })).toBeVisible();
  await expect(page.getByText(`View the uploaded file: ${statement}`)).toBeVisible();
  await drop(page, 'drop-Passport', 'passport.png', PNG, 'image/png');
  await expect(page.getByText('View the uploaded file: passport.png')).toBeVisible();
  // The exact version staff chose, with its fingerprint, is what she signs.
  await expect(page.getByText('Version 1 · SHA-256')).toBeVisible();
  await expect(page.getByText(sha256)).toBeVisible();
  await page.getByLabel('I accept').check();
  await page.getByLabel('Type your full name to sign').fill('Alice Admin');
  await page.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(page.getByText(/Signed as “Alice Admin”/)).toBeVisible();
  await page.getByLabel('Did you move house in 2025? (required)').selectOption('no');
  await page.getByRole('button', { name: 'Send the answers' }).click();
  await expect(page.getByTestId('request-status')).toHaveText('Submitted');
  await checkPage(page, testInfo, 'request-submitted');
  await signOut(page);

  // Staff review: open the statement (a view Alice will see), then accept every item.
  // Staff land on what needs them: her request to review and her uploads.
  await signIn(page, 'owner');
  await expect(page.locator('.avatar')).toBeVisible();
  await page.goto('/');
  await expect(page.getByRole('region', { name: 'New uploads from clients' })).toContainText(statement);
  await expect(page.getByRole('region', { name: 'New uploads from clients' })).toContainText('by Alice Admin');
  await page.getByRole('region', { name: 'Waiting for your review' }).getByRole('link', { name: title }).click();
  const [opened] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: `View the uploaded file: ${statement}` }).click(),
  ]);
  await opened.close();
  for (const item of ['Bank statements', 'Passport', 'Engagement letter', 'About your year']) {
    await page.getByRole('button', { name: `Accept ${item}` }).click();
    await expect(page.getByRole('button', { name: `Accept ${item}` })).toHaveCount(0);
  }
  await expect(page.getByTestId('request-status')).toHaveText('Completed');
  await signOut(page);

  // Alice sees it completed, keeps the certificate, and sees who viewed her statement.
  await signIn(page, 'alice');
  await expect(page.locator('.avatar')).toBeVisible();
  await page.goto('/requests');
  await page.getByRole('region', { name: 'All requests' }).getByRole('link', { name: title }).click();
  await expect(page.getByTestId('request-status')).toHaveText('Completed');
  await checkPage(page, testInfo, 'request-completed');
  const [certificate] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download the signature certificate' }).click(),
  ]);
  expect(certificate.suggestedFilename()).toBe('signature-certificate.html');
  await page.getByRole('link', { name: 'Documents' }).first().click();
  await page.getByLabel('Find documents by name').fill(statement);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: statement }).click();
  await expect(page.locator('.access-log')).toContainText('Viewed by Olivia Owner');
  // Her dashboard shows how far Northwind's requests have come.
  await page.goto('/');
  await expect(page.getByTestId('organization-progress')).toContainText(/\d+ of \d+ done/);
  await checkPage(page, testInfo, 'dashboard-progress');
});

test('staff keep a template, send it to Contoso, ask for a change and cancel; the contact sees both', async ({ page }, testInfo) => {
  const tag = testInfo.project.name;
  const name = `Checklist ${tag}`;
  const title = `Tax season ${tag}`;
  const comment = 'Please send every page of the form.';

  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.goto('/staff/templates');
  await page.getByLabel('Template name').fill(name);
  await page.getByLabel('Request title').fill(title);
  await page.getByLabel('Documents to ask for, one per line').fill('W-2 forms');
  await page.getByRole('button', { name: 'Save the template' }).click();
  const template = page.getByRole('listitem').filter({ hasText: name });
  await template.getByRole('group', { name: `Send ${name} to` }).getByLabel('Contoso Ltd').check();
  await template.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByText('Sent to 1 organisation(s).')).toBeVisible();
  await checkPage(page, testInfo, 'templates');
  await signOut(page);

  // Carol, of Contoso, finds it waiting for her and sends the form.
  await signIn(page, 'carol');
  await expect(page.locator('.avatar')).toBeVisible();
  await page.goto('/requests');
  await page.getByRole('region', { name: 'Waiting for you' }).getByRole('link', { name: title }).click();
  const pdf = Buffer.from(`%PDF-1.7\n% W-2 ${tag}\n%%EOF\n`).toString('base64');
  await drop(page, 'drop-W-2 forms', 'w2.pdf', pdf, 'application/pdf');
  await expect(page.getByText('View the uploaded file: w2.pdf')).toBeVisible();
  await expect(page.getByTestId('request-status')).toHaveText('Submitted');
  await signOut(page);

  // Staff ask for a change, then cancel the request.
  await signIn(page, 'owner');
  await expect(page.locator('.avatar')).toBeVisible();
  await page.goto('/requests');
  await page.getByRole('region', { name: 'Waiting for your review' }).getByRole('link', { name: title }).click();
  await page.getByLabel(/Comment for the client/).fill(comment);
  await page.getByRole('button', { name: 'Ask for changes' }).click();
  await expect(page.getByTestId('request-status')).toHaveText('Changes requested');
  await page.getByRole('button', { name: 'Cancel the request' }).click();
  await expect(page.getByTestId('request-status')).toHaveText('Cancelled');
  await signOut(page);

  await signIn(page, 'carol');
  await expect(page.locator('.avatar')).toBeVisible();
  await page.goto('/requests');
  await page.getByRole('region', { name: 'All requests' }).getByRole('link', { name: title }).click();
  await expect(page.getByTestId('request-status')).toHaveText('Cancelled');
  await expect(page.getByText(`Changes requested: ${comment}`)).toBeVisible();
  // A cancelled request takes nothing more.
  await expect(page.getByText('Choose a file for W-2 forms')).toHaveCount(0);
});
