import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { hydrated, signUp, uniqueName } from './account-helpers';
import { signInAsAdmin } from './shop-helpers';

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; serious and critical violations fail. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  await hydrated(page);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n  ')}`);
  expect(report, `${what}: ${report.join('\n')}`).toEqual([]);
}

// A page a test: axe takes seconds a page on a busy machine, and seven in
// one test ran out of its 30 s there.
for (const [what, url] of [
  ['home', '/'],
  ['listing', '/products'],
  ['category', '/c/bakery'],
  ['search', '/search?q=headphones'],
  ['product', '/p/espresso-beans-1-kg'],
  ['sign-in', '/sign-in'],
  ['sign-up', '/sign-up'],
]) {
  test(`the ${what} page has no serious accessibility violations`, async ({ page }) => {
    await page.goto(url);
    await expectAccessible(page, what);
  });
}

test('cart, checkout and account pages have no serious accessibility violations', async ({ page }) => {
  test.slow(); // six pages through axe
  await signUp(page, uniqueName('axe'));
  await expectAccessible(page, 'account');
  await page.goto('/p/espresso-beans-1-kg');
  await hydrated(page);
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').getByText('Added to your cart.')).toBeVisible();
  for (const [what, url] of [
    ['cart', '/cart'],
    ['checkout', '/checkout'],
    ['addresses', '/account/addresses'],
    ['orders', '/orders'],
    ['wishlist', '/wishlist'],
  ]) {
    await page.goto(url);
    await expectAccessible(page, what);
  }
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('listings with their filters folded have no serious accessibility violations', async ({ page }) => {
    test.slow(); // several pages through axe
    for (const [what, url] of [
      ['listing', '/products'],
      ['category', '/c/bakery?offer=1'],
    ]) {
      await page.goto(url);
      await expectAccessible(page, `${what} (phone, folded)`);
      await page.locator('.facets-summary').click();
      await expectAccessible(page, `${what} (phone, open)`);
    }
  });
});

test('admin pages have no serious accessibility violations', async ({ page }) => {
  test.slow(); // several pages through axe
  await page.setViewportSize({ width: 1280, height: 1000 });
  await signInAsAdmin(page);
  for (const [what, url] of [
    ['dashboard', '/admin'],
    ['products', '/admin/products'],
    ['orders', '/admin/orders'],
    ['users', '/admin/users'],
  ]) {
    await page.goto(url);
    await expectAccessible(page, what);
  }
});

test('the support chat has no serious accessibility violations, for shoppers and staff', async ({ page, browser }) => {
  test.slow(); // several pages through axe
  await signUp(page, uniqueName('axechat'));
  await page.goto('/messages');
  await expectAccessible(page, 'messages');
  await page.getByLabel('Subject').fill('Accessibility');
  await page.getByLabel('Your question').fill('Is this page easy to use? https://example.com');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  // The address changes before the conversation's page (a lazy route) and
  // its title are in: check the page once it is there.
  await expect(page.getByRole('paragraph').filter({ hasText: 'Is this page easy to use?' })).toBeVisible();
  await expect(page).toHaveTitle(/\S/);
  await expectAccessible(page, 'conversation');
  const room = page.url().split('/').pop();
  const staff = await (await browser.newContext()).newPage();
  await signInAsAdmin(staff);
  await staff.goto('/admin/inbox');
  await expectAccessible(staff, 'inbox');
  await staff.goto(`/admin/inbox/${room}`);
  await expectAccessible(staff, 'conversation (staff)');
  await staff.context().close();
});
