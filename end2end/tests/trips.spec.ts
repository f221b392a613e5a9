import { expect, test, type Page } from '@playwright/test';
import { hydrated, PASSWORD, signOut, signUp, uniqueName } from './account-helpers';
import { signInAsAdmin } from './shop-helpers';

// What shoppers and staff tripped over, each checked as they would meet it.

/** Collects console errors, failed requests and error statuses on `page`. */
function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A navigation that replaces the page cancels what the old page was still loading.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
  });
  return problems;
}

async function addToCart(page: Page, slug: string): Promise<void> {
  await page.goto(`/p/${slug}`);
  await hydrated(page);
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').getByText('Added to your cart.')).toBeVisible();
}

test('a cart quantity that is out of range or not a number is explained beside its field', async ({ page }) => {
  await addToCart(page, 'espresso-beans-1-kg');
  await page.goto('/cart');
  await hydrated(page);
  const line = page.getByRole('listitem', { name: /Espresso Beans/ });
  const quantity = line.getByRole('spinbutton', { name: /Quantity/ });
  for (const [typed, message] of [
    ['-1', 'Choose a quantity from 1 to 999.'],
    ['0', 'Choose a quantity from 1 to 999.'],
    ['999999', 'Choose a quantity from 1 to 999.'],
  ]) {
    await quantity.fill(typed);
    await line.getByRole('button', { name: 'Update' }).click();
    await expect(line.locator('.field-error')).toHaveText(message);
    await expect(quantity).toHaveAttribute('aria-invalid', 'true');
  }
  // Letters: a number field sends nothing the browser could not read.
  await quantity.fill('');
  await quantity.pressSequentially('abc');
  await line.getByRole('button', { name: 'Update' }).click();
  await expect(line.locator('.field-error')).toHaveText('Enter a whole number.');
  await expect(page.getByText('Something went wrong')).toHaveCount(0);
  await quantity.fill('2');
  await line.getByRole('button', { name: 'Update' }).click();
  await expect(line.locator('.field-error')).toHaveText('');
  await expect(quantity).toHaveValue('2');

  // The same on a product page.
  await page.goto('/p/espresso-beans-1-kg');
  await hydrated(page);
  const info = page.locator('.product-info');
  await info.getByRole('spinbutton', { name: 'Quantity' }).fill('');
  await info.getByRole('button', { name: /Add to cart/ }).click();
  await expect(info.locator('.field-error')).toHaveText('Enter a whole number.');
});

test('"Added to your cart." goes away, and does not follow the shopper to the next page', async ({ page }) => {
  await addToCart(page, 'espresso-beans-1-kg');
  const toast = page.getByRole('banner').getByText('Added to your cart.');
  await page.getByRole('banner').getByRole('button', { name: 'Dismiss' }).click();
  await expect(toast).toHaveCount(0);
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(toast).toBeVisible();
  await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'All products' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'All products' })).toBeVisible();
  await expect(toast).toHaveCount(0);
  // Left alone, it fades within a few seconds.
  await page.getByRole('list', { name: 'Products' }).getByRole('button', { name: /Add to cart/ }).first().click();
  await expect(toast).toBeVisible();
  await expect(toast).toBeHidden({ timeout: 10_000 });
});

test('the main journeys log no console error and no failed request', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Bakery' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Bakery' })).toBeVisible();
  await page.getByRole('list', { name: 'Products' }).getByRole('link').first().click();
  await expect(page.locator('.product-info')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search products' }).or(page.getByRole('combobox', { name: 'Search products' })).fill('espresso');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Search results/ })).toBeVisible();
  await addToCart(page, 'espresso-beans-1-kg');
  await page.getByRole('banner').getByRole('link', { name: /Cart/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your cart' })).toBeVisible();
  // Signed out, "Check out" leads to sign-in without a refused request first.
  await page.getByRole('link', { name: 'Check out' }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=(%2F|\/)checkout$/);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page).toHaveURL(/\/sign-up\?next=(%2F|\/)checkout$/);
  await hydrated(page);
  const username = uniqueName('journey');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('First name').fill('Jo');
  await page.getByLabel('Last name').fill('Urney');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Checkout' })).toBeVisible();
  const form = page.locator('form.checkout-form');
  await form.getByLabel('Full name').fill('Jo Urney');
  await form.getByLabel('Address line 1').fill('1 Path Road');
  await form.getByLabel('City').fill('Springfield');
  await form.getByLabel('Postal code').fill('62701');
  await page.getByLabel('Cash on delivery').check();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await page.getByRole('banner').getByRole('link', { name: /Account/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('a double-clicked "Place order" places one order and opens it', async ({ page }) => {
  const problems = watchForErrors(page);
  await signUp(page, uniqueName('double'));
  await addToCart(page, 'espresso-beans-1-kg');
  await page.goto('/checkout');
  await hydrated(page);
  const form = page.locator('form.checkout-form');
  await form.getByLabel('Full name').fill('Dee Click');
  await form.getByLabel('Address line 1').fill('2 Twice Street');
  await form.getByLabel('City').fill('Springfield');
  await form.getByLabel('Postal code').fill('62701');
  await page.getByLabel('Cash on delivery').check();
  await page.getByRole('button', { name: 'Place order' }).dblclick();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await page.goto('/orders');
  await expect(page.locator('main').getByRole('link', { name: /^Order #\d+$/ })).toHaveCount(1);
  await page.goto('/account/addresses');
  await expect(page.getByText('2 Twice Street')).toHaveCount(1);
  expect(problems).toEqual([]);
});

test('signing in from the header comes back to the page the shopper was on', async ({ page }) => {
  const username = uniqueName('back');
  await signUp(page, username);
  // Signed out for certain before leaving the page (the request must not be cut short).
  await signOut(page);
  await page.goto('/p/espresso-beans-1-kg');
  await hydrated(page);
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
  await hydrated(page);
  await page.getByLabel('Email or username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/p\/espresso-beans-1-kg$/);
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('the bell is drawn, not a glyph a font may lack', async ({ page }) => {
  await signUp(page, uniqueName('bell'));
  const bell = page.getByRole('banner').getByRole('link', { name: /Notifications/ });
  await expect(bell.locator('svg')).toBeVisible();
  expect(await bell.textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  for (const path of ['/products', '/c/bakery']) {
    test(`${path} shows the first product without scrolling and folds its filters`, async ({ page }) => {
      await page.goto(path);
      // The category bar scrolls sideways here, and its right edge fades to say so.
      const fade = await page.locator('.category-nav').evaluate((nav) => getComputedStyle(nav, '::after').backgroundImage);
      expect(fade).toContain('gradient');
      const first = page.getByRole('list', { name: 'Products' }).locator(':scope > li').first();
      await expect(first).toBeInViewport({ ratio: 0.5 });
      const panel = page.getByRole('complementary', { name: 'Filter' });
      await expect(panel.getByRole('heading', { name: 'Price' })).toBeHidden();
      // With the panel folded, the headings a screen reader lists still go down one level at a time.
      const levels = await page.getByRole('heading').evaluateAll((headings) =>
        headings.map((h) => Number(h.tagName.slice(1))),
      );
      levels.forEach((level, i) => expect(level - (levels[i - 1] ?? 0), `headings ${levels}`).toBeLessThanOrEqual(1));
      await panel.getByText('Filters').click();
      await expect(panel.getByRole('heading', { name: 'Price' })).toBeVisible();
      await panel.getByRole('link', { name: /^On offer \(\d+\)$/ }).click();
      await expect(page.locator('.facets-summary')).toContainText('1 active');
      await page.screenshot({ path: test.info().outputPath(`phone${path.replaceAll('/', '-')}.png`) });
    });
  }
});

for (const width of [1280, 1920]) {
  test.describe(`the admin area at ${width}px`, () => {
    test.use({ viewport: { width, height: 1400 } });

    test('has its own compact header and one line a product', async ({ page }) => {
      await signInAsAdmin(page);
      await page.goto('/admin/products');
      await hydrated(page);
      const banner = page.getByRole('banner');
      await expect(banner.getByRole('link', { name: 'View the shop' })).toBeVisible();
      await expect(banner.getByText('Signed in as admin')).toBeVisible();
      await expect(page.getByRole('navigation', { name: 'Categories' })).toHaveCount(0);
      await expect(banner.getByRole('combobox', { name: 'Search products' })).toHaveCount(0);
      await page.screenshot({ path: test.info().outputPath(`admin-products-${width}.png`), fullPage: false });
      const rows = page.locator('table.products-admin tbody tr');
      expect(await rows.count()).toBeGreaterThanOrEqual(20);
      for (const row of (await rows.all()).slice(0, 20)) {
        const box = (await row.boundingBox())!;
        expect(box.height, 'one line a row').toBeLessThan(48);
      }
      // Numbers are right aligned.
      const align = await rows.first().locator('td.num').first().evaluate((td) => getComputedStyle(td).textAlign);
      expect(align).toBe('right');
      // The filters sit on one row.
      const filters = page.getByRole('search', { name: 'Filter products' });
      expect((await filters.boundingBox())!.height).toBeLessThan(60);
      await page.goto('/admin');
      await expect(page.getByRole('table', { name: 'Low stock' })).toBeVisible();
      await page.screenshot({ path: test.info().outputPath(`admin-dashboard-${width}.png`), fullPage: false });
    });
  });
}
