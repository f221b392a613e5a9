import { expect, test } from '@playwright/test';
import { mainImage, openProductWithGallery } from './gallery';

// This project runs with JavaScript disabled: every page and link works as
// plain HTML.

test('the shop can be browsed without JavaScript', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Bakery' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Bakery' })).toBeVisible();
  await page.getByRole('link', { name: 'Price: high to low' }).click();
  await expect(page).toHaveURL(/sort=price-desc/);
  await page.getByRole('list', { name: 'Products' }).getByRole('link').first().click();
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Bakery' })).toBeVisible();
});

test('thumbnails are links that show the chosen image without JavaScript', async ({ page }) => {
  await openProductWithGallery(page);
  await page.getByRole('link', { name: /^Show image 2 of/ }).click();
  await expect(page).toHaveURL(/\?image=2$/);
  await expect(await mainImage(page)).toHaveAttribute('src', /-2\.svg$/);
});

test('signing in and out works without JavaScript, and a wrong password says so', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email or username').fill('shopper');
  await page.getByLabel('Password').fill('wrong password here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText("That username or email and password don't match an account.")).toBeVisible();

  await page.getByLabel('Email or username').fill('shopper@trove.test');
  await page.getByLabel('Password').fill('trove-shopper-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
});
