import { expect, test } from '@playwright/test';
import { hydrated, signUp, uniqueName, PASSWORD } from './account-helpers';

test('a guest is asked to sign in, then saves a product and moves it to the cart', async ({ page }) => {
  const username = uniqueName('wisher');
  await signUp(page, username);
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();

  await page.goto('/p/basmati-rice-1-kg');
  await hydrated(page);
  const heart = page.locator('.product-info').getByRole('button', { name: /^Save Basmati Rice/ });
  await heart.click();
  await expect(page).toHaveURL(/\/sign-in\?next=\/p\/basmati-rice-1-kg$/);
  await hydrated(page);
  await page.getByLabel('Email or username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/p\/basmati-rice-1-kg$/);

  await hydrated(page);
  await expect(heart).toHaveAttribute('aria-pressed', 'false');
  await heart.click();
  await expect(heart).toHaveAttribute('aria-pressed', 'true');
  // It stays saved on the next visit, and shows on the cards too.
  await page.reload();
  await expect(heart).toHaveAttribute('aria-pressed', 'true');

  await page.getByRole('banner').getByRole('link', { name: 'Wishlist' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your wishlist' })).toBeVisible();
  const item = page.getByRole('listitem', { name: /Basmati Rice/ });
  await expect(item).toBeVisible();
  await hydrated(page);
  await item.getByRole('button', { name: 'Move to cart' }).click();
  await expect(page.getByText('Moved to your cart.')).toBeVisible();
  await expect(page.getByText('Your wishlist is empty.', { exact: false })).toBeVisible();
  await expect(page.getByRole('banner').locator('.cart-count')).toHaveAttribute('data-count', '1');
});
