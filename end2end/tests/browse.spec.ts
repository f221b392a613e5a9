import { expect, test, type Page } from '@playwright/test';

const cardNames = (page: Page) => page.getByRole('list', { name: 'Products' }).getByRole('heading').allTextContents();

test('a shopper goes from the home page to a category to a product', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Fresh groceries and tech gear' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Featured products' }).getByRole('listitem')).toHaveCount(8);

  await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Fresh Fruit' }).click();
  await expect(page).toHaveURL(/\/c\/fresh-fruit$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Fresh Fruit' })).toBeVisible();

  const firstCard = page.getByRole('list', { name: 'Products' }).getByRole('listitem').first();
  const name = (await firstCard.getByRole('heading').textContent())!;
  await firstCard.getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  const breadcrumb = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(breadcrumb.getByRole('link', { name: 'Fresh Fruit' })).toHaveAttribute('href', '/c/fresh-fruit');
  await expect(page.locator('.product-info .stock')).toHaveText(/In stock|Only \d+ left|Out of stock/);
  await expect(page).toHaveTitle(`${name} | Trove`);
});

test('a shopper pages through all products and back', async ({ page }) => {
  await page.goto('/products');
  await expect(page.getByText('Page 1')).toBeVisible();
  const first = await cardNames(page);
  expect(first).toHaveLength(24);

  await page.getByRole('link', { name: 'Next →' }).click();
  await expect(page.getByText('Page 2')).toBeVisible();
  const second = await cardNames(page);
  expect(second).toHaveLength(24);
  expect(second.filter((n) => first.includes(n))).toEqual([]);

  await page.getByRole('link', { name: 'Next →' }).click();
  await expect(page.getByText('Page 3')).toBeVisible();
  await page.getByRole('link', { name: '← Previous' }).click();
  await expect(page.getByText('Page 2')).toBeVisible();
  expect(await cardNames(page)).toEqual(second);
  await page.getByRole('link', { name: '← Previous' }).click();
  await expect(page.getByText('Page 1')).toBeVisible();
  expect(await cardNames(page)).toEqual(first);
  await expect(page.getByRole('link', { name: '← Previous' })).toHaveCount(0);
});

test('a shopper sorts a category by price, both ways, and by name', async ({ page }) => {
  await page.goto('/c/laptops');
  const prices = async () =>
    (await page.locator('.card .price-now').allTextContents()).map((t) => Number(t.replace(/[^0-9.]/g, '')));

  await page.getByRole('navigation', { name: 'Sort products' }).getByRole('link', { name: 'Price: low to high' }).click();
  await expect(page).toHaveURL(/sort=price-asc/);
  await expect(page.getByRole('link', { name: 'Price: low to high' })).toHaveAttribute('aria-current', 'true');
  const ascending = await prices();
  expect(ascending.length).toBeGreaterThan(5);
  expect(ascending).toEqual([...ascending].sort((a, b) => a - b));

  await page.getByRole('link', { name: 'Price: high to low' }).click();
  await expect(page).toHaveURL(/sort=price-desc/);
  await expect(page.getByRole('link', { name: 'Price: high to low' })).toHaveAttribute('aria-current', 'true');
  const descending = await prices();
  expect(descending).toEqual([...ascending].reverse());

  await page.getByRole('link', { name: 'Name' }).click();
  await expect(page).toHaveURL(/sort=name/);
  const names = await cardNames(page);
  expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
});

test('a missing product shows the 404 page', async ({ page }) => {
  const response = await page.goto('/p/no-such-product');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'browse all products' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'All products' })).toBeVisible();
});

test('an unknown path shows the 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
});
