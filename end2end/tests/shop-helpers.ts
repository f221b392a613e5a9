import { expect, type Page } from '@playwright/test';
import { hydrated, signIn } from './account-helpers';

/** The demo admin the seed creates. */
export const ADMIN = { login: 'admin', password: 'trove-admin-demo' };

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

export async function signInAsAdmin(page: Page): Promise<void> {
  await signIn(page, ADMIN.login, ADMIN.password);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
}

/** As a signed-in admin: finds order `number` by its customer's email, marks
 * it shipped (then only delivery is offered) and delivered. */
export async function shipAndDeliver(admin: Page, email: string, number: string): Promise<void> {
  await admin.goto('/admin/orders');
  await admin.getByLabel('Customer').fill(email);
  await admin.getByRole('button', { name: 'Filter' }).click();
  await admin.getByRole('link', { name: `#${number}` }).click();
  await expect(admin.getByRole('heading', { level: 1, name: `Order #${number}` })).toBeVisible();
  await hydrated(admin);
  await admin.getByRole('button', { name: 'Mark shipped' }).click();
  await expect(admin.getByText(`Order #${number} is now shipped.`)).toBeVisible();
  await expect(admin.locator('[data-status]')).toHaveText('Shipped');
  await expect(admin.getByRole('button', { name: 'Mark shipped' })).toHaveCount(0);
  await expect(admin.getByRole('button', { name: 'Cancel order' })).toHaveCount(0);
  await admin.getByRole('button', { name: 'Mark delivered' }).click();
  await expect(admin.locator('[data-status]')).toHaveText('Delivered');
}
