// People and self-service in the browser: an invitation from the staff console accepted from
// the email, a customer admin running their team, a password reset and a magic link. Mail is
// read from the server's mailbox folder. Each viewport uses addresses of its own.
import { createHmac } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { PASSWORD, checkPage, linkFromMail, newAgent, newContact, signIn, signOut } from './helpers';

const NEW_PASSWORD = 'lantern-harbour-quiet-2049';

test('the owner invites a contact, who accepts from the email, sees only their organisation and invites a billing-only colleague', async ({ page }, testInfo) => {
  const email = `invitee-${testInfo.project.name}@example.test`;
  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.getByRole('link', { name: 'People' }).first().click();
  await expect(page.getByRole('heading', { name: 'People', exact: true })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Ines Invitee');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Organisation', { exact: true }).selectOption({ label: 'Contoso Ltd' });
  await page.getByRole('group', { name: 'What they may do there' }).getByLabel('Team admin').check();
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  await expect(page.getByRole('cell', { name: new RegExp(email) })).toBeVisible();
  await checkPage(page, testInfo, 'people');
  await signOut(page);

  const link = await linkFromMail(email, 'invited');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Accept your invitation' })).toBeVisible();
  await expect(page.getByText(`for Contoso Ltd, as ${email}`)).toBeVisible();
  expect(page.url()).not.toContain('token=');
  await checkPage(page, testInfo, 'invitation');
  await page.getByRole('textbox', { name: 'New password' }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Join and sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await expect(page.getByText('Contoso Ltd').first()).toBeVisible();
  await expect(page.getByText('Northwind Traders')).toHaveCount(0);

  // The link is spent; the password works.
  await signOut(page);
  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('expired or was already used');
  await page.goto('/sign-in?tenant=demo');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();

  // As their organisation's team admin, they invite a colleague with billing only.
  const colleague = `billing-${testInfo.project.name}@contoso.test`;
  await page.getByRole('link', { name: 'Team' }).first().click();
  await expect(page.getByRole('heading', { name: 'Contoso Ltd team' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Bill Colleague');
  await page.getByLabel('Email', { exact: true }).fill(colleague);
  const scopes = page.getByRole('group', { name: 'What they may do' });
  await scopes.getByLabel('Documents').uncheck();
  await scopes.getByLabel('Billing').check();
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByText(`Invitation sent to ${colleague}.`)).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: colleague })).toContainText('Billing');
  await linkFromMail(colleague, 'invited');
});

test('a customer admin invites a billing-only colleague, changes their access and removes them', async ({ page }, testInfo) => {
  const email = `colleague-${testInfo.project.name}@northwind.test`;
  page.on('dialog', (dialog) => dialog.accept());
  await signIn(page, 'alice');
  await page.getByRole('link', { name: 'Team' }).first().click();
  await expect(page.getByRole('heading', { name: 'Northwind Traders team' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Colin Colleague');
  await page.getByLabel('Email', { exact: true }).fill(email);
  const scopes = page.getByRole('group', { name: 'What they may do' });
  await scopes.getByLabel('Documents').uncheck();
  await scopes.getByLabel('Billing').check();
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: email });
  await expect(row).toContainText('Invited');
  await expect(row).toContainText('Billing');
  await expect(row).not.toContainText('Documents');
  await checkPage(page, testInfo, 'team');

  await row.getByRole('button', { name: 'Change access' }).click();
  await row.getByLabel('Support tickets').check();
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText("Colin Colleague's access is changed.")).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: email })).toContainText('Support tickets');

  await page.getByRole('row').filter({ hasText: email }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText('Colin Colleague is removed from the team.')).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: email })).toHaveCount(0);
  // Her own row has no actions.
  await expect(page.getByRole('row').filter({ hasText: 'alice@demo.test' }).getByRole('button')).toHaveCount(0);
});

test('a customer admin asks an existing person to join; they join only when they accept', async ({ page, request }, testInfo) => {
  const email = `joiner-${testInfo.project.name}@northwind.test`;
  await newContact(request, email, NEW_PASSWORD);
  await signIn(page, 'carol');
  await page.getByRole('link', { name: 'Team' }).first().click();
  await expect(page.getByRole('heading', { name: 'Contoso Ltd team' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Jo Joiner');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  // Shown as an invitee, under the name Carol typed: nothing of the existing account.
  await expect(page.getByRole('row').filter({ hasText: email })).toContainText('Invited');
  await expect(page.getByRole('row').filter({ hasText: email })).toContainText('Jo Joiner');
  await signOut(page);

  const link = await linkFromMail(email, 'Join Contoso Ltd');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Join an organisation' })).toBeVisible();
  await checkPage(page, testInfo, 'join');
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(page.getByText('You are now a member of Contoso Ltd.')).toBeVisible();
});

test('a forgotten password is reset from the emailed link', async ({ page, request }, testInfo) => {
  const email = `reset-${testInfo.project.name}@example.test`;
  await newContact(request, email, NEW_PASSWORD);
  await page.goto('/sign-in?tenant=demo');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByRole('status')).toContainText(`If ${email} has an account here`);
  await checkPage(page, testInfo, 'forgot-password');

  await page.goto(await linkFromMail(email, 'Reset'));
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await page.getByRole('textbox', { name: 'New password' }).fill('too short');
  await page.getByRole('button', { name: 'Save and sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('password');
  await page.getByRole('textbox', { name: 'New password' }).fill('a-brand-new-passphrase-77');
  await page.getByRole('button', { name: 'Save and sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
});

test('a magic link signs in without a password', async ({ page, request }, testInfo) => {
  const email = `magic-${testInfo.project.name}@example.test`;
  await newContact(request, email, NEW_PASSWORD);
  await page.goto('/sign-in?tenant=demo');
  await expect(page.getByText('Signing in to')).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('status')).toContainText('a sign-in link (valid for 15 minutes)');

  const link = await linkFromMail(email, 'sign-in link');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await expect(page.getByText('Northwind Traders').first()).toBeVisible();
  // Once only.
  await signOut(page);
  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('expired or was already used');
});

test('staff view the portal as a contact, read-only, and come back', async ({ page }, testInfo) => {
  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.getByRole('link', { name: 'People' }).first().click();
  await page.getByRole('button', { name: 'View the portal as Alice Admin' }).click();

  const banner = page.getByRole('status').filter({ hasText: 'Viewing as Alice Admin' });
  await expect(banner).toContainText('read-only');
  await expect(page.getByRole('heading', { name: 'Welcome, Alice' })).toBeVisible();
  await checkPage(page, testInfo, 'view-as');
  // Alice could invite colleagues; the view cannot.
  await page.getByRole('link', { name: 'Team' }).first().click();
  await expect(page.getByRole('heading', { name: 'Northwind Traders team' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Should Not');
  await page.getByLabel('Email', { exact: true }).fill(`not-${testInfo.project.name}@northwind.test`);
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('You do not have access to that.');

  await banner.getByRole('button', { name: 'Exit view' }).click();
  await expect(page.getByRole('heading', { name: 'People', exact: true })).toBeVisible();
  await expect(page.getByText('Viewing as')).toHaveCount(0);
  await expect(page.getByRole('cell', { name: /Olivia Owner/ })).toBeVisible();
});

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

test('the owner uploads a logo and the sign-in page shows it', async ({ page, browser }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the tenant has one logo: one viewport changes it');
  await signIn(page, 'owner');
  await page.getByRole('link', { name: 'Settings' }).first().click();
  await expect(page.getByRole('heading', { name: 'Portal settings' })).toBeVisible();
  await page.getByLabel('Upload a logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
  await expect(page.getByText('The logo is uploaded.')).toBeVisible();
  await expect(page.getByAltText('The current logo')).toBeVisible();
  await page.getByLabel('Support email').fill('help@acme-accounting.test');
  // A custom domain waits for its DNS record before it opens the portal.
  await page.getByLabel('Custom domain').fill('portal.acme-accounting.test');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('The settings are saved.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'portal.acme-accounting.test is waiting for verification' })).toBeVisible();
  await expect(page.getByText('_portico-challenge.portal.acme-accounting.test')).toBeVisible();
  await checkPage(page, testInfo, 'settings');
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.getByLabel('Custom domain').fill('');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('_portico-challenge.portal.acme-accounting.test')).toHaveCount(0);
  await signOut(page);

  // A new visitor (the branding is cached for a minute by browsers that saw it before).
  const visitor = await browser.newPage({ baseURL: testInfo.project.use.baseURL });
  await visitor.goto('/sign-in?tenant=demo');
  const logo = visitor.locator('.auth-brand img.logo');
  await expect(logo).toBeVisible();
  expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await visitor.close();
});

test('staff import organisations and contacts from a CSV file, checked first', async ({ page }, testInfo) => {
  const p = testInfo.project.name;
  await signIn(page, 'owner');
  await page.getByRole('link', { name: 'People' }).first().click();
  const importer = page.getByRole('region', { name: 'Import from CSV' });

  const bad = `organization,name,email\nImported ${p},Ann,not-an-email\n`;
  await importer.getByLabel('CSV file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await expect(importer.getByRole('alert')).toContainText('line 2.email');

  const good = `organization,external_ref,name,email,scopes\n` +
    `Imported ${p},IMP-${p},Ann Import,ann-${p}@imported.test,billing\n` +
    `Imported ${p},IMP-${p},Ben Import,ben-${p}@imported.test,documents;tickets\n`;
  await importer.getByLabel('CSV file').setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await expect(importer.getByRole('status')).toContainText('would create 1 organisations, invite 2 people');
  await importer.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText(/^Imported\. 2 rows/)).toBeVisible();
  await expect(page.getByRole('cell', { name: new RegExp(`ann-${p}@imported.test`) })).toBeVisible();
  await checkPage(page, testInfo, 'people-import');
});

test('an admin assigns staff to an organisation and keeps its custom fields, from its page', async ({ page, request }, testInfo) => {
  const name = `Assigned ${testInfo.project.name}`;
  await newAgent(request, `assigned-${testInfo.project.name}@demo.test`, name, NEW_PASSWORD);
  await signIn(page, 'owner');
  await page.getByRole('link', { name: 'Organisations' }).first().click();
  await page.getByRole('link', { name: 'Contoso Ltd' }).click();
  await expect(page.getByRole('heading', { name: 'Contoso Ltd', level: 1 })).toBeVisible();
  const card = page.getByRole('region', { name: 'Assigned staff' });
  await card.getByLabel('Staff member').selectOption({ label: name });
  await card.getByRole('button', { name: 'Assign' }).click();
  await expect(card.getByRole('listitem').filter({ hasText: name })).toBeVisible();
  await checkPage(page, testInfo, 'organization');
  await card.getByRole('button', { name: `Unassign ${name}` }).click();
  await expect(card.getByRole('listitem').filter({ hasText: name })).toHaveCount(0);

  // Custom fields on the same page.
  const fields = page.getByRole('region', { name: 'Custom fields' });
  const label = `Tier ${testInfo.project.name}`;
  await fields.getByLabel('Field').fill(label);
  await fields.getByLabel('Value').fill('Gold');
  await fields.getByRole('button', { name: 'Save field' }).click();
  await expect(fields.getByText(label, { exact: true })).toBeVisible();
  await expect(fields.getByText('Gold').first()).toBeVisible();
  await fields.getByRole('button', { name: `Remove ${label}` }).click();
  await expect(fields.getByText(label, { exact: true })).toHaveCount(0);

  // Assigned once, the agent serves only assigned organisations (none now) until the owner
  // says otherwise on the People page.
  await page.getByRole('link', { name: 'People' }).first().click();
  const reach = page.getByLabel(`What ${name} serves`);
  await expect(reach).toHaveValue('assigned');
  await reach.selectOption('all');
  await expect(page.getByText(`${name} serves every organisation.`)).toBeVisible();
});

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

test('an owner turns hand-off on and a host application signs its user straight in', async ({ page, browser, request }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the tenant has one hand-off secret: one viewport rotates it');
  await signIn(page, 'owner');
  await page.getByRole('link', { name: 'Settings' }).first().click();
  const section = page.getByRole('region', { name: 'Hand-off sign-in' });
  await section.getByRole('button', { name: /issue/i }).click();
  const secret = (await section.locator('code.secret').textContent())!.trim();
  await expect(section.getByText('Hand-off sign-in is on.')).toBeVisible();
  await checkPage(page, testInfo, 'settings-handoff');

  // The host application signs a token for its user with the secret (HS256).
  const login = await request.post('/api/v1/auth/login', {
    data: { tenant: 'demo', email: 'owner@demo.test', password: PASSWORD },
  });
  const orgs = await request.get('/api/v1/organizations', {
    headers: { authorization: `Bearer ${(await login.json()).access_token}` },
  });
  const northwind = (await orgs.json()).items.find((o: { name: string }) => o.name === 'Northwind Traders');
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({
    iss: 'demo', aud: 'portico-handoff', iat: now, exp: now + 60, jti: `e2e-${now}`,
    email: 'host-user@northwind.test', name: 'Hana Host', organization: northwind.id,
  }));
  const signature = createHmac('sha256', secret).update(`${header}.${claims}`).digest('base64url');

  const visitor = await browser.newPage({ baseURL: testInfo.project.use.baseURL });
  await visitor.goto(`/api/v1/auth/handoff?token=${header}.${claims}.${signature}`);
  await expect(visitor.getByRole('heading', { name: 'Welcome, Hana' })).toBeVisible();
  await expect(visitor.getByText('Northwind Traders').first()).toBeVisible();
  await visitor.close();
});

test('a person saves their details and changes their email address from the confirmation link', async ({ page, request }, testInfo) => {
  const email = `profile-${testInfo.project.name}@example.test`;
  const next = `renamed-${testInfo.project.name}@example.test`;
  await newContact(request, email, NEW_PASSWORD);
  await page.goto('/sign-in?tenant=demo');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.locator('summary').filter({ has: page.locator('.avatar') }).click();
  await page.getByRole('menuitem', { name: 'Profile' }).click();

  await page.getByLabel('Phone').fill('call me');
  await page.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByRole('alert')).toContainText('phone');
  await page.getByLabel('Phone').fill('+44 20 7946 0958');
  await page.getByLabel('Time zone').fill('Europe/London');
  await page.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByText('Your details are saved.')).toBeVisible();

  await page.getByLabel('New email address').fill(next);
  await page.getByRole('textbox', { name: 'Your password' }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Send confirmation link' }).click();
  await expect(page.getByText(`We have sent a link to ${next}.`)).toBeVisible();
  await page.goto(await linkFromMail(next, 'Confirm'));
  await expect(page.getByText('Your email address is changed.')).toBeVisible();
  await page.getByRole('link', { name: 'Go to your profile' }).click();
  await expect(page.getByText(next).first()).toBeVisible();
  await expect(page.getByLabel('Phone')).toHaveValue('+44 20 7946 0958');
});
