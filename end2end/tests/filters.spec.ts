import { expect, Page, test } from '@playwright/test';
import { hydrated } from './account-helpers';

/** The cards' names, prices (what a shopper pays now) and stock labels. */
async function cards(page: Page) {
  const grid = page.getByRole('list', { name: 'Products' });
  const items = grid.locator(':scope > li');
  const names = await items.locator('.card-title').allTextContents();
  const prices = (await items.locator('.price-now').allTextContents()).map((p) => Number(p.replace(/[^0-9.]/g, '')));
  const stock = await items.locator('.stock').allTextContents();
  return { names, prices, stock };
}

/** The number a choice's link shows: "In stock (12)" → 12. */
async function countOf(page: Page, name: RegExp) {
  const text = await page.getByRole('complementary', { name: 'Filter' }).getByRole('link', { name }).textContent();
  return Number(/\((\d+)\)/.exec(text ?? '')![1]);
}

test('filter a category by price and in stock, then share the link', async ({ page, browser }) => {
  await page.goto('/c/cables-chargers');
  await hydrated(page);
  const panel = page.getByRole('complementary', { name: 'Filter' });
  const all = await cards(page);
  await expect(page.getByText(`${all.names.length} products`, { exact: true })).toBeVisible();

  const inStock = await countOf(page, /^In stock \(\d+\)$/);
  await panel.getByRole('link', { name: /^In stock \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/\/c\/cables-chargers\?stock=1$/);
  await expect(panel.getByRole('link', { name: /^In stock/ })).toHaveAttribute('aria-current', 'true');
  await expect(page.getByText(`${inStock} products`, { exact: true })).toBeVisible();

  const range = /^\$10 to \$25 \(\d+\)$/;
  const expected = await countOf(page, range);
  expect(expected).toBeGreaterThan(0);
  await panel.getByRole('link', { name: range }).click();
  await expect(page).toHaveURL(/\/c\/cables-chargers\?min=10&max=25&stock=1$/);
  await expect(page.getByText(`${expected} product${expected === 1 ? '' : 's'}`, { exact: true })).toBeVisible();
  const filtered = await cards(page);
  expect(filtered.names).toHaveLength(expected);
  expect(filtered.names.length).toBeLessThan(all.names.length);
  for (const price of filtered.prices) {
    expect(price).toBeGreaterThanOrEqual(10);
    expect(price).toBeLessThan(25);
  }
  expect(filtered.stock).not.toContain('Out of stock');

  // Sorting keeps the filters.
  await page.getByRole('navigation', { name: 'Sort products' }).getByRole('link', { name: 'Price: low to high' }).click();
  await expect(page).toHaveURL(/\?sort=price-asc&min=10&max=25&stock=1$/);
  // The new order renders after the address changes: wait for it, not for the address.
  const ascending = [...filtered.prices].sort((a, b) => a - b);
  await expect.poll(async () => (await cards(page)).prices).toEqual(ascending);
  const sorted = await cards(page);
  expect(sorted.names).toHaveLength(filtered.names.length);

  // Someone opening the shared link sees the same products, filters marked.
  const shared = page.url();
  const friend = await browser.newPage();
  await friend.goto(shared);
  expect((await cards(friend)).names).toEqual(sorted.names);
  const friendPanel = friend.getByRole('complementary', { name: 'Filter' });
  await expect(friendPanel.getByRole('link', { name: range })).toHaveAttribute('aria-current', 'true');
  await expect(friendPanel.getByRole('link', { name: /^In stock/ })).toHaveAttribute('aria-current', 'true');
  await friend.close();

  // Back goes to the unsorted filtered page, then to in-stock only.
  await page.goBack();
  await expect(page).toHaveURL(/\?min=10&max=25&stock=1$/);
  await page.goBack();
  await expect(page).toHaveURL(/\?stock=1$/);
  await expect(page.getByText(`${inStock} products`, { exact: true })).toBeVisible();

  // A price range of one's own, from the form.
  await panel.getByLabel('From').fill('20');
  await panel.getByLabel('Under').fill('50');
  await panel.getByRole('button', { name: 'Apply price' }).click();
  await expect(page).toHaveURL(/\?stock=1&min=20&max=50$|\?min=20&max=50&stock=1$/);
  // Wait for the narrowed list itself: the address changes before it renders.
  await expect
    .poll(async () => {
      const prices = (await cards(page)).prices;
      return prices.length > 0 && prices.every((price) => price >= 20 && price < 50);
    })
    .toBe(true);
  await panel.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/c\/cables-chargers$/);
});

test('search results narrow to a category and keep the words', async ({ page }) => {
  await page.goto('/search?q=usb');
  const panel = page.getByRole('complementary', { name: 'Filter' });
  const category = panel.getByRole('link', { name: /^Cables & Chargers \(\d+\)$/ });
  const count = Number(/\((\d+)\)/.exec((await category.textContent())!)![1]);
  await category.click();
  await expect(page).toHaveURL(/\/search\?q=usb&category=cables-chargers$/);
  await expect(page.getByText(`${count} product${count === 1 ? '' : 's'} found.`)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Products' }).locator(':scope > li')).toHaveCount(Math.min(count, 24));
});
