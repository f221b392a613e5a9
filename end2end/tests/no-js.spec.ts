import { expect, test, type Page } from '@playwright/test';
import { mainImage, openProductWithGallery } from './gallery';

// This project runs with JavaScript disabled: every page and link works as
// plain HTML.

/** Fills and sends the sign-up form on the current page. */
async function fillSignUp(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('First name').fill('No');
  await page.getByLabel('Last name').fill('Script');
  await page.getByLabel('Password').fill('a long enough phrase');
  await page.getByRole('button', { name: 'Create account' }).click();
}

test('the shop can be browsed without JavaScript', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Bakery' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Bakery' })).toBeVisible();
  await page.getByRole('link', { name: 'Price: high to low' }).click();
  await expect(page).toHaveURL(/sort=price-desc/);
  await page.getByRole('list', { name: 'Products' }).getByRole('link').first().click();
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Bakery' })).toBeVisible();
});

test('searching works without JavaScript', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('searchbox', { name: 'Search products' }).or(page.getByRole('combobox', { name: 'Search products' })).fill('basmati');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Search results for “basmati”' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Products' }).getByRole('link', { name: /Basmati Rice/ }).first()).toBeVisible();
});

test('filters narrow a listing without JavaScript', async ({ page }) => {
  await page.goto('/products');
  const panel = page.getByRole('complementary', { name: 'Filter' });
  await panel.getByRole('link', { name: /^On offer \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/\/products\?offer=1$/);
  await panel.getByLabel('From').fill('10');
  await panel.getByRole('button', { name: 'Apply price' }).click();
  // A plain form submits the empty "Under" field too.
  await expect(page).toHaveURL(/\/products\?offer=1&min=10(&max=)?$/);
  const cards = page.getByRole('list', { name: 'Products' }).locator(':scope > li');
  expect(await cards.count()).toBeGreaterThan(0);
  for (const card of await cards.all()) {
    await expect(card.getByText(/% off$/)).toBeVisible();
    expect(Number((await card.locator('.price-now').textContent())!.replace(/[^0-9.]/g, ''))).toBeGreaterThanOrEqual(10);
  }
});

test('thumbnails are links that show the chosen image without JavaScript', async ({ page }) => {
  await openProductWithGallery(page);
  await page.getByRole('link', { name: /^Show image 2 of/ }).click();
  await expect(page).toHaveURL(/\?image=2$/);
  await expect(await mainImage(page)).toHaveAttribute('src', /-2\.svg$/);
});

test('signing in and out works without JavaScript, and a wrong password says so', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email or username').fill('shopper');
  await page.getByLabel('Password').fill('wrong password here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText("That username or email and password don't match an account.")).toBeVisible();

  await page.getByLabel('Email or username').fill('shopper@trove.test');
  await page.getByLabel('Password').fill('trove-shopper-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('signing up and keeping an address book work without JavaScript', async ({ page }) => {
  const username = `nojs${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await page.goto('/sign-up');
  await fillSignUp(page, username);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();

  await page.goto('/account/addresses');
  const form = page.getByRole('region', { name: 'Add an address' });
  await form.getByLabel('Full name').fill('Plain Form');
  await form.getByLabel('Address line 1').fill('2 Low Road');
  await form.getByLabel('City').fill('Bath');
  await form.getByLabel('Postal code').fill('BA1 1AA');
  await form.getByLabel('Country').selectOption('GB');
  await form.getByRole('button', { name: 'Add address' }).click();
  const card = page.getByRole('listitem', { name: 'Address of Plain Form' });
  await expect(card).toBeVisible();
  await expect(card.getByText('Primary address')).toBeVisible();

  // A form the server refuses comes back with the reason beside the field.
  await form.getByLabel('Full name').fill('Long Code');
  await form.getByLabel('Address line 1').fill('3 Nowhere');
  await form.getByLabel('City').fill('Bath');
  await form.getByLabel('Postal code').fill('BA1 1AA BA1 1AA BA1 1AA');
  await form.getByRole('button', { name: 'Add address' }).click();
  await expect(form.getByText('Use at most 20 characters.')).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'Address of Long Code' })).toHaveCount(0);
});

test('a cart is filled, changed and checked out with cash on delivery without JavaScript', async ({ page }) => {
  const username = `nojscart${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await page.goto('/p/red-lentils-1-kg');
  await page.getByLabel('Quantity').fill('2');
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page).toHaveURL(/\/p\/red-lentils-1-kg/);
  await expect(page.getByRole('banner').locator('.cart-count')).toHaveAttribute('data-count', '2');

  await page.goto('/p/rolled-oats-1-kg');
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').locator('.cart-count')).toHaveAttribute('data-count', '3');

  await page.goto('/cart');
  await page.getByRole('button', { name: /Remove.*Rolled Oats/ }).click();
  await expect(page.locator('.cart-line')).toHaveCount(1);
  await page.locator('.cart-line').getByLabel(/Quantity/).fill('3');
  await page.locator('.cart-line').getByRole('button', { name: 'Update' }).click();
  await expect(page.getByRole('banner').locator('.cart-count')).toHaveAttribute('data-count', '3');

  // Checkout asks a guest to sign in, and comes back with the cart merged.
  await page.getByRole('link', { name: 'Check out' }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=\/checkout/);
  await page.getByRole('main').getByRole('link', { name: 'Create an account' }).click();
  await fillSignUp(page, username);
  await page.goto('/checkout');
  await expect(page.getByText('3 × Red Lentils, 1 kg')).toBeVisible();
  const form = page.locator('form.checkout-form');
  await form.getByLabel('Full name').fill('Plain Form');
  await form.getByLabel('Address line 1').fill('2 Low Road');
  await form.getByLabel('City').fill('Bath');
  await form.getByLabel('Postal code').fill('BA1 1AA');
  await page.getByLabel('Cash on delivery').check();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(page.locator('[data-status]')).toHaveText('Processing');
  await expect(page.getByRole('banner').locator('.cart-count')).toHaveAttribute('data-count', '0');
});

test('without JavaScript, adding to the cart confirms on the next page and a bad quantity says why', async ({ page }) => {
  await page.goto('/p/red-lentils-1-kg');
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  // Back at the product's own address: no stray "?", no error parameters.
  await expect(page).toHaveURL(/\/p\/red-lentils-1-kg$/);
  await expect(page.getByRole('banner').getByText('Added to your cart.')).toBeVisible();
  await page.goto('/products');
  await expect(page.getByRole('banner').getByText('Added to your cart.')).toHaveCount(0);

  await page.goto('/cart');
  const line = page.getByRole('listitem', { name: /Red Lentils/ });
  for (const [typed, message] of [
    ['0', 'Choose a quantity from 1 to 999.'],
    ['', 'Enter a whole number.'],
  ]) {
    await line.getByLabel(/Quantity/).fill(typed);
    await line.getByRole('button', { name: 'Update' }).click();
    await expect(page).toHaveURL(/\/cart$/);
    await expect(line.locator('.field-error')).toHaveText(message);
  }
  await page.reload();
  await expect(line.locator('.field-error')).toHaveText('');
});

test('pages opened without JavaScript log no blocked request or policy violation', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    // Going to the next page cancels what this one was still fetching (its icon).
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  for (const path of ['/', '/products', '/p/red-lentils-1-kg', '/sign-in', '/sign-up', '/forgot-password', '/cart']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  expect(problems).toEqual([]);
});

test('a shopper asks for help and writes again without JavaScript', async ({ page }) => {
  const username = `nojschat${Date.now().toString(36)}`;
  await page.goto('/sign-up');
  await fillSignUp(page, username);
  await page.goto('/messages');
  await page.getByLabel('Subject').fill('Gift wrap');
  await page.getByLabel('Your question').fill('Can you wrap it?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await expect(page.getByRole('list', { name: 'Messages' }).getByRole('paragraph').filter({ hasText: 'Can you wrap it?' })).toBeVisible();
  await page.getByLabel('Your message', { exact: true }).fill('In red paper, please.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await expect(page.getByRole('list', { name: 'Messages' }).getByRole('paragraph').filter({ hasText: 'In red paper, please.' })).toBeVisible();
});

