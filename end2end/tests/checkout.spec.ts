import { expect, test, type Page } from '@playwright/test';
import { emailTo, hydrated, signUp, uniqueName } from './account-helpers';

/** Adds `quantity` of the product at /p/`slug` from its page. */
async function addToCart(page: Page, slug: string, quantity: number): Promise<void> {
  await page.goto(`/p/${slug}`);
  await hydrated(page);
  await page.getByLabel('Quantity').fill(String(quantity));
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').getByText('Added to your cart.')).toBeVisible();
}

/** Expects the header's cart to count `count` items. */
async function expectCartCount(page: Page, count: number): Promise<void> {
  await expect(page.getByRole('banner').locator('.cart-count')).toHaveAttribute('data-count', String(count));
}

/** The stock a product page offers (its quantity field's maximum). */
// The exact stock, as the database has it now. A kept product page (which a
// signed-in shopper gets too) stays while its stock changes in ways no
// shopper can tell apart (89 -> 86, "In stock" either way), so its quantity
// field's figure may be from before; a query of its own renders the page.
let stockReads = 0;
async function stockOf(page: Page, slug: string): Promise<number> {
  stockReads += 1;
  await page.goto(`/p/${slug}?stock-read=${Date.now()}-${stockReads}`);
  return Number(await page.getByLabel('Quantity').getAttribute('data-stock'));
}

async function fillNewAddress(page: Page): Promise<void> {
  const form = page.locator('form.checkout-form');
  await form.getByLabel('Full name').fill('Test Shopper');
  await form.getByLabel('Address line 1').fill('12 Market Street');
  await form.getByLabel('City').fill('Springfield');
  await form.getByLabel('Postal code').fill('62701');
}

/** Fills Stripe's card form (localstripe's stand-in for Stripe.js in tests). */
async function fillCard(page: Page, number: string): Promise<void> {
  const card = page.locator('#card-element');
  await card.getByPlaceholder('number').fill(number);
  await card.getByPlaceholder('exp_month').fill('12');
  await card.getByPlaceholder('exp_year').fill('30');
  await card.getByPlaceholder('cvc').fill('123');
  await card.getByPlaceholder('postal_code').fill('62701');
}

async function placeOrder(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: /^Order #\d+$/ })).toBeVisible();
  return page.url().split('/').pop()!;
}

test('a guest fills a cart, signs up, and pays by card with a promo code', async ({ page }) => {
  await addToCart(page, 'basmati-rice-1-kg', 2);
  await expectCartCount(page, 2);
  await addToCart(page, 'espresso-beans-1-kg', 1);
  await expectCartCount(page, 3);

  const email = await signUp(page, uniqueName('buyer'));
  // The guest cart became the new account's cart.
  await expectCartCount(page, 3);
  await page.getByRole('banner').getByRole('link', { name: /Cart/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your cart' })).toBeVisible();
  await expect(page.locator('.cart-line')).toHaveCount(2);
  await hydrated(page);
  await page.getByRole('link', { name: 'Check out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Checkout' })).toBeVisible();

  await page.getByRole('textbox', { name: 'Code', exact: true }).fill('welcome10');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText('Promo code WELCOME10 applied.')).toBeVisible();
  await expect(page.locator('[data-total="discount"]')).not.toHaveText('−$0.00');
  const total = (await page.locator('[data-total="total"]').textContent())!.trim();

  await hydrated(page);
  await fillNewAddress(page);
  await expect(page.getByLabel('Card (you pay on the next page)')).toBeChecked();
  const number = await placeOrder(page);
  await expect(page.locator('[data-status]')).toHaveText('Pending payment');

  await fillCard(page, '4242424242424242');
  await page.getByRole('button', { name: `Pay ${total}` }).click();

  await expect(page.locator('[data-status]')).toHaveText('Processing');
  await expect(page.getByText(/^Card · Paid /)).toBeVisible();
  const timeline = page.getByRole('list').filter({ has: page.getByText('Pending payment') }).last();
  await expect(timeline.getByRole('listitem')).toHaveCount(2);
  await expectCartCount(page, 0);
  const mail = await emailTo(email, `Order #${number} confirmed`);
  expect(mail).toContain(`Total: ${total}`);

  // The confirmation is also an in-app notification.
  await expect(page.getByRole('banner').locator('.bell-count')).toBeVisible();
  await page.getByRole('banner').getByRole('link', { name: /Notifications/ }).click();
  await expect(page.getByRole('link', { name: `Order #${number} confirmed` })).toBeVisible();
  await expect(page.getByRole('banner').locator('.bell-count')).toHaveCount(0);
});

test('a shopper orders with cash on delivery, then cancels and the stock returns', async ({ page }) => {
  const before = await stockOf(page, 'wildflower-honey-340-g');
  await signUp(page, uniqueName('cash'));
  await addToCart(page, 'wildflower-honey-340-g', 3);
  await page.goto('/checkout');
  await hydrated(page);
  await fillNewAddress(page);
  await page.getByLabel('Cash on delivery').check();
  const number = await placeOrder(page);
  await expect(page.locator('[data-status]')).toHaveText('Processing');
  await expect(page.getByText('Cash on delivery · To be paid on delivery')).toBeVisible();
  expect(await stockOf(page, 'wildflower-honey-340-g')).toBe(before - 3);

  await page.goto('/orders');
  await page.getByRole('link', { name: `Order #${number}` }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await expect(page.locator('[data-status]')).toHaveText('Cancelled');
  expect(await stockOf(page, 'wildflower-honey-340-g')).toBe(before);
  // The saved address is offered next time.
  await addToCart(page, 'red-lentils-1-kg', 1);
  await page.goto('/checkout');
  await expect(page.getByLabel(/Test Shopper, 12 Market Street/)).toBeChecked();
});

test('the cart refuses more than is in stock and updates in place', async ({ page }) => {
  const stock = await stockOf(page, 'ginger-beer-4-pack');
  await hydrated(page);
  await page.getByLabel('Quantity').fill(String(stock + 1));
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').getByRole('status')).toContainText(`Only ${stock} of Ginger Beer, 4 pack are left.`);
  await addToCart(page, 'ginger-beer-4-pack', 2);
  await page.goto('/cart');
  await hydrated(page);
  const line = page.locator('.cart-line');
  await line.getByLabel(/Quantity/).fill('5');
  await line.getByRole('button', { name: 'Update' }).click();
  await expectCartCount(page, 5);
  await line.getByRole('button', { name: /Remove/ }).click();
  await expect(page.getByText('Your cart is empty.')).toBeVisible();
  await expectCartCount(page, 0);
});

test('a declined card says so, and a card that asks for 3-D Secure pays once authenticated', async ({ page }) => {
  await signUp(page, uniqueName('secure'));
  await addToCart(page, 'chickpeas-400-g', 1);
  await page.goto('/checkout');
  await hydrated(page);
  await fillNewAddress(page);
  const number = await placeOrder(page);
  await hydrated(page);
  await fillCard(page, '4000000000000002');
  await page.getByRole('button', { name: /^Pay / }).click();
  await expect(page.locator('#card-status')).toHaveText('Your card was declined.');
  await expect(page.locator('[data-status]')).toHaveText('Pending payment');

  await fillCard(page, '4000000000003220');
  await page.getByRole('button', { name: /^Pay / }).click();
  // localstripe's stand-in for the bank's 3-D Secure page.
  await page.getByRole('button', { name: 'Complete authentication' }).click();
  await expect(page.locator('[data-status]')).toHaveText('Processing');
  await expect(page).toHaveURL(new RegExp(`/orders/${number}$`));
});
