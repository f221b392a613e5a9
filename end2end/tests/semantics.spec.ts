import { expect, test } from '@playwright/test';
import { hydrated } from './account-helpers';

for (const path of ['/', '/products', '/c/monitors', '/p/organic-bananas-1-kg']) {
  test(`${path} has landmarks, one h1 and alt text on every image`, async ({ page }) => {
    await page.goto(path);
    await expect(page.getByRole('banner')).toHaveCount(1);
    await expect(page.getByRole('main')).toHaveCount(1);
    await expect(page.getByRole('contentinfo')).toHaveCount(1);
    await expect(page.getByRole('navigation', { name: 'Categories' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
    await expect(page.getByRole('link', { name: 'Skip to content' })).toHaveAttribute('href', '#main');
    const images = page.locator('main img');
    expect(await images.count()).toBeGreaterThan(0);
    for (const alt of await images.evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')))) {
      // Thumbnails and card pictures are decorative (alt=""): the links
      // around them carry the label.
      expect(alt).not.toBeNull();
    }
    const meaningful = await page.locator('main img:not(.thumbnail img):not(.card img)').evaluateAll((imgs) =>
      imgs.map((img) => img.getAttribute('alt') ?? ''),
    );
    expect(meaningful.every((alt) => alt.trim().length > 0)).toBe(true);
    // Each card link is named by the product, not by its picture twice.
    for (const link of await page.locator('main .card-link').all()) {
      await expect(link).toHaveAccessibleName(/\S/);
    }
  });
}

test('the skip link works before hydration and focus stays on the content while the page hydrates', async ({ page }) => {
  await page.goto('/c/monitors', { waitUntil: 'commit' });
  await page.getByRole('link', { name: 'Skip to content' }).waitFor({ state: 'attached' });
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  await hydrated(page);
  await expect(page.getByRole('main')).toBeFocused();
  // The next Tab goes on from the content, not from the top of the page.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(true);
});

test('a keyboard user skips to the content and sees an outline on every control they reach', async ({ page }) => {
  await page.goto('/c/monitors');
  // After hydration the router handles links: the skip link must still move focus.
  await hydrated(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  await expect(skip).not.toBeInViewport();
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      return {
        what: `${el.tagName} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30)}`,
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
        inMain: !!el.closest('main'),
        visible: box.width > 0 && box.height > 0,
      };
    });
    expect(focused.inMain, focused.what).toBe(true);
    expect(focused.visible, focused.what).toBe(true);
    expect(focused.outline, focused.what).toBe('solid 3px');
    seen.add(focused.what.split(' ')[0]);
  }
  // Links, buttons and form fields were all among them.
  expect([...seen].sort()).toEqual(['A', 'BUTTON', 'INPUT']);
});
