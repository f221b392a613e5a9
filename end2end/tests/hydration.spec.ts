import { expect, test } from '@playwright/test';
import { mainImage, openProductWithGallery } from './gallery';

test('choosing a thumbnail swaps the main image without loading a page', async ({ page }) => {
  await openProductWithGallery(page);
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  const url = page.url();
  // A full page load would wipe this marker.
  await page.evaluate(() => ((window as unknown as { troveMarker: number }).troveMarker = 42));

  const image = await mainImage(page);
  await expect(image).toHaveAttribute('src', /-1\.svg$/);
  await page.getByRole('link', { name: /^Show image 2 of/ }).click();
  await expect(image).toHaveAttribute('src', /-2\.svg$/);
  await expect(page.getByRole('link', { name: /^Show image 2 of/ })).toHaveAttribute('aria-current', 'true');

  expect(page.url()).toBe(url);
  expect(await page.evaluate(() => (window as unknown as { troveMarker?: number }).troveMarker)).toBe(42);
});

test('client-side navigation between pages keeps the app loaded', async ({ page }) => {
  await page.goto('/');
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await page.evaluate(() => ((window as unknown as { troveMarker: number }).troveMarker = 7));
  await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Monitors' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Monitors' })).toBeVisible();
  await page.getByRole('link', { name: 'Next →' }).or(page.getByRole('link', { name: 'Name' })).first().click();
  await expect(page.getByRole('list', { name: 'Products' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { troveMarker?: number }).troveMarker)).toBe(7);
});
