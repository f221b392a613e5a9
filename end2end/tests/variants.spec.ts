import { expect, test } from '@playwright/test';
import { hydrated, signUp, uniqueName } from './account-helpers';
import { signInAsAdmin } from './shop-helpers';

// The demo Zip Hoodie comes in S, M, L and XL (XL at $47.00, the others at
// $45.00), in grey and black, with a picture per colour; XL in black is sold out.
test('a shopper picks sizes and colours, adds two variants of one hoodie, and finds both in the order', async ({ page }) => {
  await page.goto('/p/zip-hoodie');
  await hydrated(page);
  const panel = page.locator('.buy-panel');
  const picture = page.locator('.gallery-main');
  // Nothing chosen yet: the first variant in stock is.
  await expect(page.getByRole('radio', { name: /^S\b/ })).toBeChecked();
  await expect(page.getByRole('radio', { name: /^Grey\b/ })).toBeChecked();
  await expect(panel.locator('.price-now')).toHaveText('$45.00');

  // A pick updates the address, price and stock in place.
  await page.getByRole('radio', { name: /^XL\b/ }).check();
  await expect(page).toHaveURL(/\/p\/zip-hoodie\?size=xl&colour=grey$/);
  await expect(panel.locator('.price-now')).toHaveText('$47.00');
  await expect(panel.getByText('Only 4 left')).toBeVisible();
  await expect(picture).toHaveAttribute('src', /zip-hoodie-grey\.svg$/);

  // Black: its own picture; XL in black is sold out and cannot be added.
  await page.getByRole('radio', { name: /^Black\b/ }).check();
  await expect(page).toHaveURL(/size=xl&colour=black$/);
  await expect(picture).toHaveAttribute('src', /zip-hoodie-black\.svg$/);
  await expect(panel.getByText('Out of stock')).toBeVisible();
  await expect(page.getByRole('radio', { name: 'XL (sold out)' })).toBeChecked();
  await expect(page.locator('.product-info').getByRole('button', { name: /Sold out/ })).toBeDisabled();

  // Two large black ones, and one XL in grey.
  await page.getByRole('radio', { name: /^L\b/ }).check();
  await expect(panel.locator('.price-now')).toHaveText('$45.00');
  await page.getByLabel('Quantity').fill('2');
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').getByText('Added to your cart.')).toBeVisible();
  await page.getByRole('radio', { name: /^Grey\b/ }).check();
  await page.getByRole('radio', { name: /^XL\b/ }).check();
  await expect(page).toHaveURL(/size=xl&colour=grey$/);
  await page.getByLabel('Quantity').fill('1');
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').locator('.cart-count')).toHaveAttribute('data-count', '3');

  await signUp(page, uniqueName('hoodie'));
  await page.goto('/cart');
  await expect(page.getByRole('listitem', { name: 'Zip Hoodie — L / Black' }).getByLabel(/Quantity/)).toHaveValue('2');
  await expect(page.getByRole('listitem', { name: 'Zip Hoodie — XL / Grey' }).getByLabel(/Quantity/)).toHaveValue('1');
  await expect(page.locator('.cart-subtotal')).toContainText('$137.00');

  await page.goto('/checkout');
  await hydrated(page);
  const form = page.locator('form.checkout-form');
  await form.getByLabel('Full name').fill('Hoodie Buyer');
  await form.getByLabel('Address line 1').fill('5 Knit Row');
  await form.getByLabel('City').fill('Springfield');
  await form.getByLabel('Postal code').fill('62701');
  await page.getByLabel('Cash on delivery').check();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(page.getByRole('rowheader', { name: 'Zip Hoodie — L / Black' })).toBeVisible();
  await expect(page.getByRole('rowheader', { name: 'Zip Hoodie — XL / Grey' })).toBeVisible();

  // The XL in grey went down by one.
  await page.goto('/p/zip-hoodie?size=xl&colour=grey');
  await expect(page.locator('.buy-panel').getByText('Only 3 left')).toBeVisible();
});

test('an admin edits the variant grid: a bad cell is named beside it, and a good save shows on the product page', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/admin/products?search=Polo+Shirt');
  await page.getByRole('link', { name: 'Polo Shirt', exact: true }).click();
  await hydrated(page);
  const grid = page.locator('form.variant-grid');
  await expect(grid.getByRole('rowheader', { name: 'M / Red' })).toBeVisible();
  await expect(page.getByLabel('Stock', { exact: true })).toHaveAttribute('readonly', '');

  await grid.getByLabel('Stock of M / Red', { exact: true }).fill('-3');
  await grid.getByLabel('Price of M / Red', { exact: true }).fill('31.50');
  await grid.getByRole('button', { name: 'Save variants' }).click();
  await expect(grid.getByText('Nothing was saved: correct the cells marked below.')).toBeVisible();
  await expect(grid.getByLabel('Stock of M / Red', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(grid.getByText('Stock must be a whole number, 0 or more.')).toBeVisible();

  await grid.getByLabel('Stock of M / Red', { exact: true }).fill('7');
  await grid.getByRole('button', { name: 'Save variants' }).click();
  await expect(page.getByText(/Saved the 12 variants of Polo Shirt\./)).toBeVisible();

  await page.goto('/p/polo-shirt?size=m&colour=red');
  await expect(page.locator('.buy-panel .price-now')).toHaveText('$31.50');
  await expect(page.locator('.buy-panel').getByText('In stock')).toBeVisible();
});

// Filters by option value: each value's count is how many products the
// narrowed page then lists, values of one option add up, and a card leads
// to its page with that value chosen.
test('a shopper narrows clothing to a size and a colour and lands on that variant', async ({ page }) => {
  await page.goto('/c/clothing');
  await hydrated(page);
  const sizes = page.getByRole('region', { name: 'Size' });
  const colours = page.getByRole('region', { name: 'Colour' });
  const cards = page.getByRole('list', { name: 'Products' }).locator('.card');
  const counted = async (link: import('@playwright/test').Locator) =>
    Number((await link.innerText()).match(/\((\d+)\)$/)![1]);

  const xl = sizes.getByRole('link', { name: /^XL \(\d+\)$/ });
  const xlCount = await counted(xl);
  await xl.click();
  await expect(page).toHaveURL(/\/c\/clothing\?opt=size:xl$/);
  await expect(sizes.getByRole('link', { name: /^XL / })).toHaveAttribute('aria-current', 'true');
  await expect(cards).toHaveCount(xlCount);
  await expect(page.locator('.result-count')).toHaveText(`${xlCount} products`);
  await expect(cards.filter({ hasText: 'Ankle Socks' })).toHaveCount(0);

  const black = colours.getByRole('link', { name: /^Black \(\d+\)$/ });
  const blackCount = await counted(black);
  await black.click();
  await expect(page).toHaveURL(/opt=colour:black;size:xl$/);
  await expect(cards).toHaveCount(blackCount);
  const hoodie = cards.filter({ hasText: 'Zip Hoodie' }).getByRole('link', { name: 'Zip Hoodie', exact: true });
  await expect(hoodie).toHaveAttribute('href', '/p/zip-hoodie?colour=black&size=xl');
  await hoodie.click();
  await expect(page).toHaveURL(/\/p\/zip-hoodie\?colour=black&size=xl$/);
  await expect(page.getByRole('radio', { name: 'XL (sold out)' })).toBeChecked();
  await expect(page.getByRole('radio', { name: /^Black\b/ })).toBeChecked();
  await page.goBack();

  // A second size widens the page; "Clear filters" undoes everything.
  await sizes.getByRole('link', { name: /^M \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/opt=colour:black;size:m,xl$/);
  await expect(cards.filter({ hasText: 'Ankle Socks' })).toHaveCount(1);
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/c\/clothing$/);
  await expect(page.locator('.result-count')).toHaveText('14 products');
});
