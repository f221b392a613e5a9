import { expect, test } from '@playwright/test';
import { hydrated } from './account-helpers';

test('a typo still finds headphones, opened from the suggestions with the keyboard only', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const box = page.getByRole('combobox', { name: 'Search products' });
  // Tab from the top of the page to the search box.
  for (let i = 0; i < 6 && !(await box.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(box).toBeFocused();
  await page.keyboard.type('hedphones', { delay: 30 });
  const list = page.getByRole('listbox', { name: 'Suggestions' });
  await expect(list).toBeVisible();
  await expect(box).toHaveAttribute('aria-expanded', 'true');
  const options = list.getByRole('option');
  await expect(options.first()).toContainText('Headphones');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(box).toHaveAttribute('aria-activedescendant', 'suggestion-1');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  const chosen = (await options.nth(1).textContent())!.trim();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: chosen })).toBeVisible();
  await expect(page).toHaveURL(/\/p\/[a-z0-9-]+$/);
});

test('the results page corrects a misspelt word and sorts exact matches', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const box = page.getByRole('combobox', { name: 'Search products' });
  await box.fill('organic bananna');
  await box.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=organic(\+|%20)bananna/);
  await expect(page.getByRole('heading', { level: 1, name: 'Search results for “organic bananna”' })).toBeVisible();
  await expect(page.getByText(/^Nothing matches “organic bananna”\. Showing \d+ products? for “organic bananas?”\.$/)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Products' }).getByRole('link', { name: 'Organic Bananas, 1 kg' }).first()).toBeVisible();

  await page.goto('/search?q=headphones');
  await expect(page.getByText(/^\d+ products found\.$/)).toBeVisible();
  await page.getByRole('link', { name: 'Price: low to high' }).click();
  await expect(page).toHaveURL(/sort=price-asc/);
  const prices = await page.locator('.card .price-now').allTextContents();
  const values = prices.map((p) => Number(p.replace(/[^0-9.]/g, '')));
  expect(values).toEqual([...values].sort((a, b) => a - b));
});
