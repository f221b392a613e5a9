import { expect, test, type Browser, type Page } from '@playwright/test';
import { deflateSync } from 'node:zlib';
import { hydrated, signUp, uniqueName } from './account-helpers';
import { buyWithCash, shipAndDeliver, signInAsAdmin } from './shop-helpers';


/** A solid-colour PNG of `width` × `height`, made here so the test needs no files. */
function png(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (data: Buffer) => {
    let c = 0xffffffff;
    for (const byte of data) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}


async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test('an admin adds a category and a product with two images, and a shopper finds it with the chosen image', async ({ page, browser }) => {
  const suffix = uniqueName('');
  const categoryName = `Tea Room ${suffix}`;
  const productName = `Smoky Lapsang ${suffix}`;
  await signInAsAdmin(page);
  await page.getByRole('banner').getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Revenue per day, last 30 days' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Categories' }).click();
  await hydrated(page);
  const newCategory = page.getByRole('region', { name: 'New category' });
  await newCategory.getByLabel('Name').fill(categoryName);
  await newCategory.getByLabel('Description').fill('Leaves and blends.');
  await newCategory.getByRole('button', { name: 'Create category' }).click();
  await expect(page.getByText(`Created ${categoryName}.`)).toBeVisible();
  await expect(page.getByRole('listitem', { name: `Category ${categoryName}` })).toBeVisible();

  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: 'New product' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New product' })).toBeVisible();
  await hydrated(page);
  // A bad price is reported beside its field, and nothing typed is lost.
  await page.getByLabel('Name', { exact: true }).fill(productName);
  await page.getByLabel('Category').selectOption({ label: categoryName });
  await page.getByLabel('Price', { exact: true }).fill('0');
  await page.getByLabel('Stock').fill('12');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByText('The price must be more than zero.')).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(productName);
  await page.getByLabel('Price', { exact: true }).fill('6.40');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByText('Product created. Add its images below.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: `Edit ${productName}` })).toBeVisible();

  await page.getByLabel('Add images').setInputFiles([
    { name: 'green.png', mimeType: 'image/png', buffer: png(1000, 600, [30, 140, 60]) },
    { name: 'red.png', mimeType: 'image/png', buffer: png(400, 400, [200, 40, 40]) },
  ]);
  await page.getByLabel('Describe the images (alt text)').fill('A tin of smoky tea');
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByText('2 image(s) uploaded.')).toBeVisible();
  const images = page.locator('.admin-images li');
  await expect(images).toHaveCount(2);
  await expect(images.first().getByText('Primary', { exact: true })).toBeVisible();

  await hydrated(page);
  await page.getByRole('button', { name: 'Make image 2 primary' }).click();
  await expect(images.nth(1).getByText('Primary', { exact: true })).toBeVisible();
  await expect(images.first().getByText('Primary', { exact: true })).toHaveCount(0);
  // Each picture is stored at the widths pages show it: 800, 400 and 200.
  const adminSrc = await images.nth(1).getByRole('img').getAttribute('src');
  expect(adminSrc).toMatch(/^\/media\/products\/\d+\/[A-Za-z0-9_-]+@400\.jpg$/);
  const stem = adminSrc!.replace('@400.jpg', '');

  // A shopper finds it in the new category, shown with the chosen image.
  const shopper = await newPage(browser);
  await shopper.goto('/');
  await shopper.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: categoryName }).click();
  await expect(shopper.getByRole('heading', { level: 1, name: categoryName })).toBeVisible();
  const card = shopper.getByRole('list', { name: 'Products' }).getByRole('listitem').filter({ hasText: productName });
  await expect(card.locator('img')).toHaveAttribute('src', `${stem}@400.jpg`);
  await expect(card.locator('img')).toHaveAttribute('srcset', new RegExp(`${stem}@800\\.jpg 800w`));
  await card.getByRole('link', { name: productName }).first().click();
  await expect(shopper.getByRole('heading', { level: 1, name: productName })).toBeVisible();
  await expect(shopper.locator('.gallery-main')).toHaveAttribute('src', `${stem}@800.jpg`);
  await expect(shopper.locator('.gallery-main')).toHaveAttribute('alt', 'A tin of smoky tea');
  const image = await shopper.request.get(`${stem}@800.jpg`);
  expect(image.headers()['content-type']).toBe('image/jpeg');
  // The thumbnails load the smallest files: the 1000 × 600 picture at 200 × 120.
  const greenThumb = shopper.locator('.thumbnail img').nth(1);
  await expect(greenThumb).toHaveJSProperty('complete', true);
  expect(await greenThumb.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([200, 120]);
});

test('an admin ships and delivers an order; the shopper sees the timeline and the notification', async ({ page, browser }) => {
  const username = uniqueName('parcel');
  await signUp(page, username);
  const number = await buyWithCash(page, 'red-lentils-1-kg', 'Parcel Person');

  const admin = await newPage(browser);
  await signInAsAdmin(admin);
  await shipAndDeliver(admin, `${username}@example.com`, number);
  await expect(admin.getByText(/^Cash on delivery · Paid /)).toBeVisible();

  await page.goto(`/orders/${number}`);
  await expect(page.locator('[data-status]')).toHaveText('Delivered');
  const timeline = page.getByRole('list').filter({ has: page.getByText('Shipped') }).last();
  await expect(timeline.getByRole('listitem')).toHaveCount(3);
  await page.getByRole('banner').getByRole('link', { name: /Notifications/ }).click();
  await expect(page.getByRole('link', { name: `Order #${number} delivered` })).toBeVisible();
  await expect(page.getByRole('link', { name: `Order #${number} shipped` })).toBeVisible();
});

test('an admin makes a moderator, who can work on orders but cannot open product management', async ({ page, browser }) => {
  const username = uniqueName('mod');
  const moderator = await newPage(browser);
  await signUp(moderator, username);

  await signInAsAdmin(page);
  await page.goto('/admin/users');
  await page.getByLabel('Name, username or email').fill(username);
  await page.getByRole('main').getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: username }).click();
  await expect(page.getByRole('heading', { level: 1, name: `User ${username}` })).toBeVisible();
  await hydrated(page);
  await page.getByRole('combobox', { name: 'Role' }).selectOption('moderator');
  await page.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByText('The role is now Moderator.')).toBeVisible();

  await moderator.goto('/');
  await moderator.getByRole('banner').getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(moderator.getByRole('heading', { level: 1, name: 'Orders' })).toBeVisible();
  const nav = moderator.getByRole('navigation', { name: 'Admin' });
  await expect(nav.getByRole('link', { name: 'Orders' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Products' })).toHaveCount(0);
  const response = await moderator.goto('/admin/products');
  expect(response?.status()).toBe(403);
  await expect(moderator.getByRole('heading', { level: 1, name: 'Access denied' })).toBeVisible();

  // The change is in the audit log.
  await page.goto('/admin/audit?entity=user');
  await expect(page.getByRole('cell', { name: 'Role Member → Moderator' }).first()).toBeVisible();
});
