// Documents in the browser: staff file two documents for a customer by drag and drop (a
// progress bar each), the customer finds them, previews one, downloads the other, and sees
// who viewed them. Each viewport uses a folder of its own.
import { expect, test, type Page } from '@playwright/test';
import { checkPage, signIn, signOut } from './helpers';

/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** Drops files on the upload area as a person dragging them from their desktop would. */
async function dropFiles(page: Page, files: { name: string; base64: string; type: string }[]) {
  const transfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, files);
  await page.getByTestId('drop-zone').dispatchEvent('dragover', { dataTransfer: transfer });
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
}

test('staff file documents for a customer, who previews, downloads and sees who viewed them', async ({ page }, testInfo) => {
  const folder = `Tax 2025 ${testInfo.project.name}`;
  const taxReturn = `Tax return 2025 ${testInfo.project.name}.pdf`;
  const pdf = Buffer.from(`%PDF-1.7\n% return for ${testInfo.project.name}\n%%EOF\n`).toString('base64');

  // Staff: the organisation's documents, a new folder, two files dropped into it.
  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.getByRole('link', { name: 'Organisations' }).first().click();
  await page.getByRole('link', { name: 'Northwind Traders' }).click();
  await page.getByRole('link', { name: 'Documents' }).click();
  await expect(page.getByRole('heading', { name: 'Documents — Northwind Traders' })).toBeVisible();
  await page.getByLabel('New folder').fill(folder);
  await page.getByRole('button', { name: 'Create folder' }).click();
  await page.getByRole('link', { name: folder }).click();
  await expect(page.getByRole('navigation', { name: 'Folders' }).getByText(folder)).toBeVisible();
  await dropFiles(page, [
    { name: taxReturn, base64: pdf, type: 'application/pdf' },
    { name: 'Signature page.png', base64: PNG, type: 'image/png' },
  ]);
  for (const name of [taxReturn, 'Signature page.png']) {
    await expect(page.getByRole('progressbar', { name: `Uploading ${name}` })).toBeVisible();
    await expect(page.getByRole('button', { name })).toBeVisible();
  }
  await expect(page.locator('.uploads .ok')).toHaveCount(2);
  await checkPage(page, testInfo, 'documents');
  // Staff publish a copy of the return to Contoso.
  await page.getByRole('button', { name: taxReturn }).click();
  await page.getByText('Rename, move or publish').click();
  await page.getByRole('group', { name: 'Publish a copy to' }).getByLabel('Contoso Ltd').check();
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByText('Published to 1 organisation(s).')).toBeVisible();
  await page.getByRole('button', { name: 'Close' }).click();
  // A renamed executable is refused, and says why.
  await dropFiles(page, [{ name: 'invoice.pdf', base64: Buffer.from('MZ\x90\x00 not a pdf').toString('base64'), type: 'application/pdf' }]);
  await expect(page.locator('.uploads').getByRole('alert')).toBeVisible();
  await signOut(page);

  // The customer finds the folder, previews the image and downloads the return.
  await signIn(page, 'alice');
  // Signing in returns to the page signed out from: wait for it, then open the documents.
  await expect(page.locator('.avatar')).toBeVisible();
  await page.goto('/documents');
  await page.getByRole('link', { name: folder }).click();
  await page.getByRole('button', { name: 'Signature page.png' }).click();
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('img', { name: 'Preview of Signature page.png' })).toBeVisible();
  await expect(page.locator('.access-log')).toContainText('Viewed by Alice Admin');
  await page.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: taxReturn }).click();
  await expect(page.getByText('application/pdf')).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(taxReturn);
  await checkPage(page, testInfo, 'document-details');
  await signOut(page);

  // Staff see who downloaded it, and when.
  await signIn(page, 'owner');
  // Signed in (the sign-in page returns to where Alice was): then to the console.
  await expect(page.locator('.avatar')).toBeVisible();
  await page.goto('/staff');
  await page.getByRole('link', { name: 'Northwind Traders' }).click();
  await page.getByRole('link', { name: 'Documents' }).click();
  await page.getByLabel('Find documents by name').fill(taxReturn);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: taxReturn }).click();
  await expect(page.locator('.access-log')).toContainText('Downloaded by Alice Admin');
});

test('staff rename a folder, add a version, use the bin, delete the empty folder and see the storage used', async ({ page }, testInfo) => {
  const folder = `Archive ${testInfo.project.name}`;
  const minutes = `Minutes ${testInfo.project.name}.pdf`;
  const version = (n: number) => Buffer.from(`%PDF-1.7\n% minutes, version ${n}\n%%EOF\n`);

  await signIn(page, 'owner');
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.getByRole('link', { name: 'Organisations' }).first().click();
  await page.getByRole('link', { name: 'Northwind Traders' }).click();
  await page.getByRole('link', { name: 'Documents' }).click();
  await page.getByLabel('New folder').fill(folder);
  await page.getByRole('button', { name: 'Create folder' }).click();
  await page.getByRole('link', { name: folder }).click();
  await expect(page.getByLabel("This folder's name")).toHaveValue(folder);
  await page.getByLabel("This folder's name").fill(`${folder} 2024`);
  await page.getByRole('button', { name: 'Rename the folder' }).click();
  await expect(page.getByRole('navigation', { name: 'Folders' }).getByText(`${folder} 2024`)).toBeVisible();

  // A document, then a second version of it.
  await dropFiles(page, [{ name: minutes, base64: version(1).toString('base64'), type: 'application/pdf' }]);
  await page.getByRole('button', { name: minutes }).click();
  await page.getByLabel('Upload a new version').setInputFiles({ name: minutes, mimeType: 'application/pdf', buffer: version(2) });
  await expect(page.getByText(/^Version 2 —/)).toBeVisible();
  await expect(page.getByText(/^Version 1 —/)).toBeVisible();

  // A folder with a document in it stays; the document goes to the bin and comes back.
  await page.getByRole('button', { name: 'Delete the folder' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'not empty' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByRole('button', { name: minutes })).toHaveCount(0);
  await page.getByLabel(/Show the bin/).check();
  await page.getByRole('button', { name: minutes }).click();
  await expect(page.getByText('In the bin until')).toBeVisible();
  await page.getByRole('button', { name: 'Restore' }).click();
  // Restored: it leaves the bin.
  await expect(page.getByRole('button', { name: minutes })).toHaveCount(0);
  await page.getByLabel(/Show the bin/).uncheck();
  await expect(page.getByRole('button', { name: minutes })).toBeVisible();

  // In the bin again, the folder is empty and can go: back to the top level.
  await page.getByRole('button', { name: minutes }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByRole('button', { name: minutes })).toHaveCount(0);
  await page.getByRole('button', { name: 'Delete the folder' }).click();
  await expect(page.getByRole('navigation', { name: 'Folders' }).getByText(`${folder} 2024`)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete the folder' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: `${folder} 2024` })).toHaveCount(0);

  await page.getByRole('link', { name: 'Settings' }).first().click();
  await expect(page.getByTestId('storage')).toContainText(/Document storage: .* used; uploads up to/);
});
