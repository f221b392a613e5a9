import { expect, type Page } from '@playwright/test';
import { hydrated } from './account-helpers';

/** Buys one of the product at /p/`slug` with cash on delivery, as the signed-in
 * shopper, to a new address; answers the order's number. */
export async function buyWithCash(page: Page, slug: string, fullName: string): Promise<string> {
  await page.goto(`/p/${slug}`);
  await hydrated(page);
  await page.locator('.product-info').getByRole('button', { name: /Add to cart/ }).click();
  await expect(page.getByRole('banner').getByText('Added to your cart.')).toBeVisible();
  await page.goto('/checkout');
  await hydrated(page);
  const form = page.locator('form.checkout-form');
  await form.getByLabel('Full name').fill(fullName);
  await form.getByLabel('Address line 1').fill('3 Post Lane');
  await form.getByLabel('City').fill('Springfield');
  await form.getByLabel('Postal code').fill('62701');
  await page.getByLabel('Cash on delivery').check();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  return page.url().split('/').pop()!;
}
