import { expect, type Page } from '@playwright/test';

/** Opens the first seeded product on the all-products page that has several
 * images (products other journeys add have uploaded JPEGs, not the seed's SVGs). */
export async function openProductWithGallery(page: Page): Promise<number> {
  await page.goto('/products');
  const links = await page
    .getByRole('list', { name: 'Products' })
    .getByRole('link')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
  for (const href of links) {
    await page.goto(href);
    const thumbnails = page.getByRole('link', { name: /^Show image \d+ of \d+/ });
    const count = await thumbnails.count();
    const seeded = /-1\.svg$/.test((await page.locator('img.gallery-main').getAttribute('src')) ?? '');
    if (count >= 2 && seeded) return count;
  }
  throw new Error('no product on the first page has two images');
}

export async function mainImage(page: Page) {
  const image = page.locator('img.gallery-main');
  await expect(image).toBeVisible();
  return image;
}
